#include "comm/communicator.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <numeric>

#include "comm/mpi_check.h"

namespace paratrain {

namespace {

constexpr size_t kMaxPiece = INT_MAX;  // MPI counts are int

// Calls fn(offset, piece) over [0, count) in pieces that an MPI int count can
// hold. A zero count is one empty piece, so both sides of a message still
// match (an empty send can be a signal).
template <typename Fn>
void for_each_piece(size_t count, Fn&& fn) {
  size_t offset = 0;
  do {
    const size_t piece = std::min(count - offset, kMaxPiece);
    fn(offset, static_cast<int>(piece));
    offset += piece;
  } while (offset < count);
}

int checked_count(size_t count, const char* what) {
  PT_CHECK(count <= kMaxPiece, std::string(what) + ": a count of " + std::to_string(count) +
                                   " per rank exceeds MPI's limit of INT_MAX elements");
  return static_cast<int>(count);
}

bool mpi_finalized() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  return finalized != 0;
}

}  // namespace

// --- Request -----------------------------------------------------------------

Request::~Request() {
  if (!active() || mpi_finalized()) return;
  // Freeing an active MPI request would leave MPI writing into buffers the
  // caller may free next; waiting is the only safe end. A destructor cannot
  // throw, so a failure is reported here.
  try {
    wait();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "paratrain: a Request failed while destroyed: %s\n", error.what());
  }
}

Request::Request(Request&& other) noexcept : pieces_(std::move(other.pieces_)) {
  other.pieces_.clear();
}

Request& Request::operator=(Request&& other) noexcept {
  if (this != &other) {
    Request old(std::move(*this));  // an active request being replaced waits here
    pieces_ = std::move(other.pieces_);
    other.pieces_.clear();
  }
  return *this;
}

void Request::wait() {
  if (!active()) return;
  // Cleared first: after a failure the request is done with either way, and
  // the destructor must not wait on it again.
  std::vector<MPI_Request> pieces = std::move(pieces_);
  pieces_.clear();
  PT_MPI(MPI_Waitall(static_cast<int>(pieces.size()), pieces.data(), MPI_STATUSES_IGNORE));
}

bool Request::test() {
  if (!active()) return true;
  int done = 0;
  PT_MPI(MPI_Testall(static_cast<int>(pieces_.size()), pieces_.data(), &done, MPI_STATUSES_IGNORE));
  if (done) pieces_.clear();
  return done != 0;
}

// --- Communicator: ownership and construction -----------------------------------

Communicator::~Communicator() { free_comm(); }

Communicator::Communicator(Communicator&& other) noexcept
    : comm_(other.comm_), described_rank_(other.described_rank_), described_size_(other.described_size_) {
  other.comm_ = MPI_COMM_NULL;
  other.described_size_ = 0;
}

Communicator Communicator::described(int rank, int size) {
  PT_CHECK(size >= 1 && rank >= 0 && rank < size, "described communicator: rank outside its size");
  Communicator comm;
  comm.described_rank_ = rank;
  comm.described_size_ = size;
  return comm;
}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    free_comm();
    comm_ = other.comm_;
    described_rank_ = other.described_rank_;
    described_size_ = other.described_size_;
    other.comm_ = MPI_COMM_NULL;
    other.described_size_ = 0;
  }
  return *this;
}

void Communicator::free_comm() noexcept {
  // After MPI_Finalize the communicator is gone with the library.
  if (comm_ != MPI_COMM_NULL && !mpi_finalized()) MPI_Comm_free(&comm_);
  comm_ = MPI_COMM_NULL;
}

Communicator Communicator::world() {
  MPI_Comm comm = MPI_COMM_NULL;
  PT_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
  Communicator result(comm);
  // Errors as codes, so PT_MPI can throw them with a message.
  PT_MPI(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
  return result;
}

Communicator Communicator::dup() const {
  MPI_Comm comm = MPI_COMM_NULL;
  PT_MPI(MPI_Comm_dup(comm_, &comm));
  return Communicator(comm);  // a dup inherits the error handler
}

Communicator Communicator::split(int color, int key) const {
  PT_CHECK(color >= 0, "Communicator::split: color must be >= 0, got " + std::to_string(color));
  MPI_Comm comm = MPI_COMM_NULL;
  PT_MPI(MPI_Comm_split(comm_, color, key, &comm));
  return Communicator(comm);
}

Communicator Communicator::subgroup(const std::vector<int>& world_ranks_in_group) const {
  const int me = rank();
  const auto mine = std::find(world_ranks_in_group.begin(), world_ranks_in_group.end(), me);
  PT_CHECK(mine != world_ranks_in_group.end(),
           "Communicator::subgroup: rank " + std::to_string(me) + " is not in its own group");
  // Groups are disjoint, so their smallest member names each one.
  const int color = *std::min_element(world_ranks_in_group.begin(), world_ranks_in_group.end());
  const int position = static_cast<int>(mine - world_ranks_in_group.begin());
  Communicator group = split(color, position);
  PT_CHECK(
      group.size() == static_cast<int>(world_ranks_in_group.size()) && group.rank() == position,
      "Communicator::subgroup: ranks disagree on the groups (rank " + std::to_string(me) +
          " expected " + std::to_string(world_ranks_in_group.size()) + " members, got " +
          std::to_string(group.size()) + ")");
  return group;
}

int Communicator::rank() const {
  if (describes_only()) return described_rank_;
  int rank = 0;
  PT_MPI(MPI_Comm_rank(comm_, &rank));
  return rank;
}

int Communicator::size() const {
  if (describes_only()) return described_size_;
  int size = 0;
  PT_MPI(MPI_Comm_size(comm_, &size));
  return size;
}

// --- collectives --------------------------------------------------------------

void Communicator::barrier() const { PT_MPI(MPI_Barrier(comm_)); }

void Communicator::all_reduce(void* data, size_t count, MPI_Datatype type, MPI_Op op) const {
  int type_size = 0;
  PT_MPI(MPI_Type_size(type, &type_size));
  char* bytes = static_cast<char*>(data);
  for_each_piece(count, [&](size_t offset, int piece) {
    PT_MPI(MPI_Allreduce(MPI_IN_PLACE, bytes + offset * type_size, piece, type, op, comm_));
  });
}

void Communicator::all_reduce_sum(float* data, size_t count) const {
  all_reduce(data, count, MPI_FLOAT, MPI_SUM);
}

void Communicator::all_reduce_sum(double* data, size_t count) const {
  all_reduce(data, count, MPI_DOUBLE, MPI_SUM);
}

void Communicator::all_reduce_max(double* data, size_t count) const {
  all_reduce(data, count, MPI_DOUBLE, MPI_MAX);
}

void Communicator::all_reduce_max(float* data, size_t count) const {
  all_reduce(data, count, MPI_FLOAT, MPI_MAX);
}

Request Communicator::iall_reduce_sum(float* data, size_t count) const {
  std::vector<MPI_Request> pieces;
  for_each_piece(count, [&](size_t offset, int piece) {
    MPI_Request request = MPI_REQUEST_NULL;
    PT_MPI(MPI_Iallreduce(MPI_IN_PLACE, data + offset, piece, MPI_FLOAT, MPI_SUM, comm_, &request));
    pieces.push_back(request);
  });
  return Request(std::move(pieces));
}

void Communicator::reduce_scatter_sum(const float* in, float* out, size_t count_per_rank) const {
  const int count = checked_count(count_per_rank, "reduce_scatter_sum");
  PT_MPI(MPI_Reduce_scatter_block(in, out, count, MPI_FLOAT, MPI_SUM, comm_));
}

void Communicator::all_gather(const float* in, float* out, size_t count_per_rank) const {
  const int count = checked_count(count_per_rank, "all_gather");
  PT_MPI(MPI_Allgather(in, count, MPI_FLOAT, out, count, MPI_FLOAT, comm_));
}

void Communicator::reduce_scatter_sum_in_place(float* data, size_t count_per_rank) const {
  const int count = checked_count(count_per_rank, "reduce_scatter_sum_in_place");
  PT_MPI(MPI_Reduce_scatter_block(MPI_IN_PLACE, data, count, MPI_FLOAT, MPI_SUM, comm_));
}

void Communicator::all_gather_in_place(float* data, size_t count_per_rank) const {
  const int count = checked_count(count_per_rank, "all_gather_in_place");
  PT_MPI(MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, count, MPI_FLOAT, comm_));
}

Request Communicator::ireduce_scatter_sum(const float* in, float* out,
                                          size_t count_per_rank) const {
  const int count = checked_count(count_per_rank, "ireduce_scatter_sum");
  MPI_Request request = MPI_REQUEST_NULL;
  PT_MPI(MPI_Ireduce_scatter_block(in, out, count, MPI_FLOAT, MPI_SUM, comm_, &request));
  return Request({request});
}

Request Communicator::iall_gather(const float* in, float* out, size_t count_per_rank) const {
  const int count = checked_count(count_per_rank, "iall_gather");
  MPI_Request request = MPI_REQUEST_NULL;
  PT_MPI(MPI_Iallgather(in, count, MPI_FLOAT, out, count, MPI_FLOAT, comm_, &request));
  return Request({request});
}

void Communicator::broadcast(void* data, size_t bytes, int root) const {
  char* base = static_cast<char*>(data);
  for_each_piece(bytes, [&](size_t offset, int piece) {
    PT_MPI(MPI_Bcast(base + offset, piece, MPI_BYTE, root, comm_));
  });
}

// --- point to point -----------------------------------------------------------
// A count above INT_MAX goes as several messages with the same tag; MPI keeps
// messages between two ranks on one tag in order, so the pieces match up.

Request Communicator::isend(const float* data, size_t count, int peer, int tag) const {
  std::vector<MPI_Request> pieces;
  for_each_piece(count, [&](size_t offset, int piece) {
    MPI_Request request = MPI_REQUEST_NULL;
    PT_MPI(MPI_Isend(data + offset, piece, MPI_FLOAT, peer, tag, comm_, &request));
    pieces.push_back(request);
  });
  return Request(std::move(pieces));
}

Request Communicator::irecv(float* data, size_t count, int peer, int tag) const {
  std::vector<MPI_Request> pieces;
  for_each_piece(count, [&](size_t offset, int piece) {
    MPI_Request request = MPI_REQUEST_NULL;
    PT_MPI(MPI_Irecv(data + offset, piece, MPI_FLOAT, peer, tag, comm_, &request));
    pieces.push_back(request);
  });
  return Request(std::move(pieces));
}

void Communicator::send(const float* data, size_t count, int peer, int tag) const {
  for_each_piece(count, [&](size_t offset, int piece) {
    PT_MPI(MPI_Send(data + offset, piece, MPI_FLOAT, peer, tag, comm_));
  });
}

void Communicator::recv(float* data, size_t count, int peer, int tag) const {
  for_each_piece(count, [&](size_t offset, int piece) {
    PT_MPI(MPI_Recv(data + offset, piece, MPI_FLOAT, peer, tag, comm_, MPI_STATUS_IGNORE));
  });
}

bool Communicator::has_message(int peer, int tag) const {
  int arrived = 0;
  PT_MPI(MPI_Iprobe(peer, tag, comm_, &arrived, MPI_STATUS_IGNORE));
  return arrived != 0;
}

std::vector<std::string> Communicator::gather_strings(const std::string& mine, int root) const {
  const int my_length = checked_count(mine.size(), "gather_strings");
  const bool is_root = rank() == root;
  std::vector<int> lengths(is_root ? static_cast<size_t>(size()) : 0);
  PT_MPI(MPI_Gather(&my_length, 1, MPI_INT, lengths.data(), 1, MPI_INT, root, comm_));
  std::vector<int> offsets(lengths.size());
  size_t total = 0;
  for (size_t rank_idx = 0; rank_idx < lengths.size(); ++rank_idx) {
    offsets[rank_idx] = static_cast<int>(total);
    total += static_cast<size_t>(lengths[rank_idx]);
    PT_CHECK(total <= kMaxPiece, "gather_strings: more than INT_MAX characters in all");
  }
  std::string joined(total, '\0');
  PT_MPI(MPI_Gatherv(mine.data(), my_length, MPI_CHAR, joined.data(), lengths.data(),
                     offsets.data(), MPI_CHAR, root, comm_));
  std::vector<std::string> strings;
  for (size_t rank_idx = 0; rank_idx < lengths.size(); ++rank_idx) {
    strings.push_back(joined.substr(static_cast<size_t>(offsets[rank_idx]),
                                    static_cast<size_t>(lengths[rank_idx])));
  }
  return strings;
}

// --- ProcessGrid --------------------------------------------------------------

namespace {

// Checked before any member is built, so a bad shape throws the same
// UsageError on every rank without a collective call.
const GridShape& checked_shape(const GridShape& shape, int world_size) {
  check_grid(shape, world_size);
  return shape;
}

}  // namespace

ProcessGrid::ProcessGrid(const GridShape& shape, const Communicator& world)
    : shape_(checked_shape(shape, world.size())),
      coord_(coord_of(shape, world.rank())),
      world_rank_(world.rank()),
      world_(world.dup()) {
  // Every rank builds the axes in the same order: each split is collective.
  for (Axis axis : {Axis::kData, Axis::kPipeline, Axis::kTensor}) {
    axes_[static_cast<size_t>(axis)] = world_.subgroup(group_ranks(shape_, world_rank_, axis));
  }
}

ProcessGrid ProcessGrid::described(const GridShape& shape, int world_rank) {
  check_grid(shape, shape.world());
  ProcessGrid grid;
  grid.shape_ = shape;
  grid.coord_ = coord_of(shape, world_rank);
  grid.world_rank_ = world_rank;
  grid.world_ = Communicator::described(world_rank, shape.world());
  for (Axis axis : {Axis::kData, Axis::kPipeline, Axis::kTensor}) {
    grid.axes_[static_cast<size_t>(axis)] =
        Communicator::described(axis_index(grid.coord_, axis), axis_size(shape, axis));
  }
  return grid;
}

}  // namespace paratrain
