#pragma once
// Communication between ranks, MPI underneath. A Communicator owns its
// MPI_Comm (a dup or a split, never MPI_COMM_WORLD itself) and frees it; it
// is movable, not copyable. Errors come back from MPI as codes (the
// communicators use MPI_ERRORS_RETURN) and are thrown with the call site.
//
// Counts are size_t: all-reduce, send/receive and broadcast split a count
// above INT_MAX into pieces; reduce-scatter, all-gather and gather_strings
// reject a per-rank count above INT_MAX with a clear message.
#include <mpi.h>

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "comm/process_grid.h"

namespace paratrain {

// A non-blocking operation in flight. The buffers it was given must stay alive
// and untouched until it completes. wait() completes it (a second wait() does
// nothing); test() reports completion without blocking. A Request destroyed
// while active waits for its operation first.
class Request {
 public:
  Request() = default;  // inactive
  ~Request();
  Request(Request&& other) noexcept;
  Request& operator=(Request&& other) noexcept;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  void wait();
  bool test();  // true once complete; then active() is false
  bool active() const { return !pieces_.empty(); }

 private:
  friend class Communicator;
  explicit Request(std::vector<MPI_Request> pieces) : pieces_(std::move(pieces)) {}

  std::vector<MPI_Request> pieces_;  // one per piece of a count split at INT_MAX
};

class Communicator {
 public:
  Communicator() = default;  // no communicator: handle() is MPI_COMM_NULL
  ~Communicator();
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  // A dup of MPI_COMM_WORLD with MPI_ERRORS_RETURN. Collective over the world.
  static Communicator world();
  // No MPI communicator, only a rank and a size: what constructors read to
  // size their shards, so that one process can plan any rank of any grid
  // (the planner). Any communication on it is a programmer error.
  static Communicator described(int rank, int size);
  bool describes_only() const { return described_size_ > 0; }
  // A dup of this communicator (same ranks, separate message space). Collective.
  Communicator dup() const;
  // MPI_Comm_split: ranks with the same color form one communicator, ordered
  // by key (ties by rank here). Collective; color must be >= 0.
  Communicator split(int color, int key) const;
  // A helper built on split: every rank of this communicator calls it with the
  // list of its own group (ranks of this communicator, groups disjoint); the
  // rank at position i of the list gets rank i in the result.
  Communicator subgroup(const std::vector<int>& world_ranks_in_group) const;

  int rank() const;
  int size() const;

  void barrier() const;
  void all_reduce_sum(float* data, size_t count) const;  // in place
  void all_reduce_sum(double* data, size_t count) const;
  void all_reduce_max(double* data, size_t count) const;
  void all_reduce_max(float* data, size_t count) const;
  Request iall_reduce_sum(float* data, size_t count) const;  // in place, non-blocking
  // in: (size * count_per_rank), out: (count_per_rank) = the sum over all
  // ranks of their in[rank * count_per_rank ...]. in and out must not overlap.
  void reduce_scatter_sum(const float* in, float* out, size_t count_per_rank) const;
  // in: (count_per_rank), out: (size * count_per_rank) in rank order; no overlap.
  void all_gather(const float* in, float* out, size_t count_per_rank) const;
  // In place: data is (size, count_per_rank); the sum of block `rank` lands in
  // data[0, count_per_rank) (MPI_IN_PLACE semantics of MPI_Reduce_scatter_block).
  void reduce_scatter_sum_in_place(float* data, size_t count_per_rank) const;
  // In place: each rank's block `rank` of data (size, count_per_rank) is sent to all.
  void all_gather_in_place(float* data, size_t count_per_rank) const;
  Request ireduce_scatter_sum(const float* in, float* out, size_t count_per_rank) const;
  Request iall_gather(const float* in, float* out, size_t count_per_rank) const;
  Request isend(const float* data, size_t count, int peer, int tag) const;
  Request irecv(float* data, size_t count, int peer, int tag) const;
  void send(const float* data, size_t count, int peer, int tag) const;
  void recv(float* data, size_t count, int peer, int tag) const;
  // Whether a message from `peer` with `tag` has arrived (MPI_Iprobe): a
  // recv of it would not wait.
  bool has_message(int peer, int tag) const;
  void broadcast(void* data, size_t bytes, int root) const;
  // Root gets one string per rank, in rank order; the others get {}.
  std::vector<std::string> gather_strings(const std::string& mine, int root) const;

  MPI_Comm handle() const { return comm_; }

 private:
  explicit Communicator(MPI_Comm comm) : comm_(comm) {}
  void all_reduce(void* data, size_t count, MPI_Datatype type, MPI_Op op) const;
  void free_comm() noexcept;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int described_rank_ = 0;  // described(): the rank and size it stands for
  int described_size_ = 0;  // 0: a real communicator (or none)
};

// The rank's place in the grid and one sub-communicator per axis. Passed
// explicitly to whatever needs it; there is no global parallel state.
class ProcessGrid {
 public:
  // Calls check_grid (UsageError on a bad shape, before any communication),
  // then builds the axis communicators: collective over `world`.
  ProcessGrid(const GridShape& shape, const Communicator& world);
  // World rank `world_rank` of a grid of `shape`, with described
  // communicators (Communicator::described) and no MPI: one process can
  // build any rank's trainer against a plan-only tracker.
  static ProcessGrid described(const GridShape& shape, int world_rank);

  const GridShape& shape() const { return shape_; }
  const GridCoord& coord() const { return coord_; }
  int world_rank() const { return world_rank_; }
  const Communicator& world() const { return world_; }
  // The communicator of this rank's group along `axis`; its rank is
  // axis_index(coord(), axis).
  const Communicator& axis(Axis axis) const { return axes_[static_cast<size_t>(axis)]; }

 private:
  ProcessGrid() = default;

  GridShape shape_;
  GridCoord coord_;
  int world_rank_ = 0;
  Communicator world_;                // a dup of the world given
  std::array<Communicator, 3> axes_;  // indexed by Axis
};

}  // namespace paratrain
