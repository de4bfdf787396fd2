// Communicator and ProcessGrid over real MPI ranks: run under
// `mpirun -np N communicator_test` (ctest runs N = 2 and 4). Every rank checks
// its own results; rank 0 prints the gtest report, the other ranks print only
// their failures, and the exit code is non-zero if any rank failed.
#include "comm/communicator.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "comm/mpi_session.h"
#include "core/error.h"

namespace paratrain {
namespace {

constexpr Axis kAxes[] = {Axis::kData, Axis::kPipeline, Axis::kTensor};

// Sum of 0 + 1 + ... + (n - 1).
int triangle(int n) { return n * (n - 1) / 2; }

TEST(Communicator, WorldIsADupThatReturnsErrors) {
  Communicator world = Communicator::world();
  int world_rank = 0, world_size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  EXPECT_EQ(world.rank(), world_rank);
  EXPECT_EQ(world.size(), world_size);
  int compare = MPI_UNEQUAL;
  MPI_Comm_compare(world.handle(), MPI_COMM_WORLD, &compare);
  EXPECT_EQ(compare, MPI_CONGRUENT);  // same ranks, its own message space
  // A bad peer comes back as an exception naming the call, not an abort.
  const float value = 1;
  EXPECT_THROW(world.send(&value, 1, world.size(), 0), std::runtime_error);
}

TEST(Communicator, MoveKeepsOneOwner) {
  Communicator first = Communicator::world();
  const MPI_Comm handle = first.handle();
  Communicator second = std::move(first);
  EXPECT_EQ(first.handle(), MPI_COMM_NULL);
  EXPECT_EQ(second.handle(), handle);
  first = std::move(second);
  EXPECT_EQ(first.handle(), handle);
  EXPECT_EQ(second.handle(), MPI_COMM_NULL);
}

TEST(Communicator, AllReduceSumFloat) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  std::vector<float> data(1000);  // (1000,)
  for (size_t idx = 0; idx < data.size(); ++idx) data[idx] = static_cast<float>(rank + idx);
  world.all_reduce_sum(data.data(), data.size());
  for (size_t idx = 0; idx < data.size(); ++idx) {
    ASSERT_EQ(data[idx], static_cast<float>(size * idx + triangle(size))) << idx;
  }
}

TEST(Communicator, AllReduceSumDouble) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  std::vector<double> data(100000);
  for (size_t idx = 0; idx < data.size(); ++idx) data[idx] = 0.5 * rank - 1.0 * idx;
  world.all_reduce_sum(data.data(), data.size());
  for (size_t idx = 0; idx < data.size(); ++idx) {
    ASSERT_EQ(data[idx], 0.5 * triangle(size) - 1.0 * size * idx) << idx;
  }
}

TEST(Communicator, AllReduceMax) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  std::vector<double> data(64);
  // Element idx peaks on rank idx % size; elsewhere every rank is negative.
  for (size_t idx = 0; idx < data.size(); ++idx) {
    data[idx] = static_cast<int>(idx) % size == rank ? 100.0 + idx : -1.0 - rank;
  }
  world.all_reduce_max(data.data(), data.size());
  for (size_t idx = 0; idx < data.size(); ++idx) EXPECT_EQ(data[idx], 100.0 + idx);
}

// Local work between start and wait, polling test() as a training loop would.
TEST(Communicator, IallReduceOverlapsLocalWork) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  std::vector<float> gradients(1 << 20, static_cast<float>(rank + 1));  // (1M,)
  Request request = world.iall_reduce_sum(gradients.data(), gradients.size());
  EXPECT_TRUE(request.active());
  double local = 0;
  for (int chunk_idx = 0; chunk_idx < 64; ++chunk_idx) {
    for (int idx = 0; idx < 10000; ++idx) local += 1e-3 * idx;
    request.test();  // lets MPI progress; may or may not be done yet
  }
  request.wait();
  EXPECT_FALSE(request.active());
  request.wait();  // a second wait does nothing
  EXPECT_TRUE(request.test());
  EXPECT_NEAR(local, 64 * 1e-3 * triangle(10000), 1e-3);
  const float expected = static_cast<float>(triangle(size) + size);
  for (size_t idx = 0; idx < gradients.size(); idx += 4099) ASSERT_EQ(gradients[idx], expected);
  EXPECT_EQ(gradients.back(), expected);
}

TEST(Communicator, DestroyedRequestWaits) {
  Communicator world = Communicator::world();
  const int size = world.size();
  std::vector<float> data(4096, 1.0f);
  { Request request = world.iall_reduce_sum(data.data(), data.size()); }
  for (float value : data) ASSERT_EQ(value, static_cast<float>(size));
  // Replacing an active request by assignment waits for it too.
  std::vector<float> more(16, 2.0f);
  Request request = world.iall_reduce_sum(data.data(), data.size());
  request = world.iall_reduce_sum(more.data(), more.size());
  EXPECT_EQ(data[0], static_cast<float>(size * size));
  request.wait();
  EXPECT_EQ(more[15], 2.0f * size);
}

// in[slot * count + idx] = rank * 1000 + slot * count + idx; rank r's output
// is the sum over ranks of their slot r.
float scatter_input(int rank, size_t slot, size_t count, size_t idx) {
  return static_cast<float>(rank * 1000 + slot * count + idx);
}

float scatter_expected(int rank, int size, size_t count, size_t idx) {
  return static_cast<float>(1000 * triangle(size) + size * (rank * count + idx));
}

void check_reduce_scatter(bool blocking) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  const size_t count = 37;
  std::vector<float> in(size * count), out(count, -1.0f);  // (size, count), (count,)
  for (size_t slot = 0; slot < static_cast<size_t>(size); ++slot) {
    for (size_t idx = 0; idx < count; ++idx) {
      in[slot * count + idx] = scatter_input(rank, slot, count, idx);
    }
  }
  if (blocking) {
    world.reduce_scatter_sum(in.data(), out.data(), count);
  } else {
    Request request = world.ireduce_scatter_sum(in.data(), out.data(), count);
    request.wait();
  }
  for (size_t idx = 0; idx < count; ++idx) {
    EXPECT_EQ(out[idx], scatter_expected(rank, size, count, idx)) << idx;
  }
}

TEST(Communicator, ReduceScatterSum) { check_reduce_scatter(true); }
TEST(Communicator, IreduceScatterSum) { check_reduce_scatter(false); }

void check_all_gather(bool blocking) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  const size_t count = 53;
  std::vector<float> in(count), out(size * count, -1.0f);  // (count,), (size, count)
  for (size_t idx = 0; idx < count; ++idx) in[idx] = static_cast<float>(rank * 100 + idx);
  if (blocking) {
    world.all_gather(in.data(), out.data(), count);
  } else {
    Request request = world.iall_gather(in.data(), out.data(), count);
    request.wait();
  }
  for (int from = 0; from < size; ++from) {
    for (size_t idx = 0; idx < count; ++idx) {
      EXPECT_EQ(out[from * count + idx], static_cast<float>(from * 100 + idx));
    }
  }
}

TEST(Communicator, AllGather) { check_all_gather(true); }
TEST(Communicator, IallGather) { check_all_gather(false); }

// Reduce-scatter then all-gather is an all-reduce (ZeRO's identity).
TEST(Communicator, ReduceScatterThenAllGatherIsAllReduce) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  const size_t count = 8;
  std::vector<float> full(size * count), shard(count), gathered(size * count);
  for (size_t idx = 0; idx < full.size(); ++idx) full[idx] = static_cast<float>(rank * idx);
  world.reduce_scatter_sum(full.data(), shard.data(), count);
  world.all_gather(shard.data(), gathered.data(), count);
  world.all_reduce_sum(full.data(), full.size());
  EXPECT_EQ(gathered, full);
}

// Each rank sends two tagged messages to the next rank; the receiver posts
// and waits for them in the opposite order, so tags, not arrival, match them.
TEST(Communicator, RingWithTagsOutOfOrder) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  const int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  std::vector<float> first(100), second(7);
  for (size_t idx = 0; idx < first.size(); ++idx) {
    first[idx] = static_cast<float>(rank * 1000 + idx);
  }
  for (size_t idx = 0; idx < second.size(); ++idx) {
    second[idx] = static_cast<float>(-rank - static_cast<int>(idx));
  }
  std::vector<float> got_first(100, 0.0f), got_second(7, 0.0f);
  Request recv_second = world.irecv(got_second.data(), got_second.size(), prev, 2);
  Request recv_first = world.irecv(got_first.data(), got_first.size(), prev, 1);
  Request send_first = world.isend(first.data(), first.size(), next, 1);
  Request send_second = world.isend(second.data(), second.size(), next, 2);
  recv_second.wait();
  recv_first.wait();
  send_second.wait();
  send_first.wait();
  for (size_t idx = 0; idx < got_first.size(); ++idx) {
    EXPECT_EQ(got_first[idx], static_cast<float>(prev * 1000 + idx));
  }
  for (size_t idx = 0; idx < got_second.size(); ++idx) {
    EXPECT_EQ(got_second[idx], static_cast<float>(-prev - static_cast<int>(idx)));
  }
}

// Pairs (0, 1), (2, 3), ...: the even rank sends first, the odd one receives
// first, so blocking calls cannot wait on each other.
TEST(Communicator, BlockingSendRecvInPairs) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  if (size % 2 != 0) GTEST_SKIP() << "needs an even number of ranks, got " << size;
  const int peer = rank ^ 1;
  std::vector<float> mine(300, static_cast<float>(rank)), theirs(300, -1.0f);
  if (rank % 2 == 0) {
    world.send(mine.data(), mine.size(), peer, 5);
    world.recv(theirs.data(), theirs.size(), peer, 6);
  } else {
    world.recv(theirs.data(), theirs.size(), peer, 5);
    world.send(mine.data(), mine.size(), peer, 6);
  }
  for (float value : theirs) ASSERT_EQ(value, static_cast<float>(peer));
  // An empty message still matches: it can serve as a signal.
  if (rank % 2 == 0) {
    world.send(nullptr, 0, peer, 7);
  } else {
    world.recv(nullptr, 0, peer, 7);
  }
}

TEST(Communicator, GatherStringsInRankOrder) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  const int root = size - 1;
  // Rank 1's string is empty: lengths differ and zero is allowed.
  const std::string mine = rank == 1 ? "" : "rank " + std::to_string(rank) + std::string(rank, '!');
  const std::vector<std::string> strings = world.gather_strings(mine, root);
  if (rank != root) {
    EXPECT_TRUE(strings.empty());
    return;
  }
  ASSERT_EQ(static_cast<int>(strings.size()), size);
  for (int from = 0; from < size; ++from) {
    const std::string expected =
        from == 1 ? "" : "rank " + std::to_string(from) + std::string(from, '!');
    EXPECT_EQ(strings[static_cast<size_t>(from)], expected);
  }
}

TEST(Communicator, BroadcastFromLastRank) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  struct Header {
    int step;
    double loss;
    char name[8];
  };
  Header header{rank == size - 1 ? 42 : -1, rank == size - 1 ? 3.25 : 0.0, "none"};
  if (rank == size - 1) std::snprintf(header.name, sizeof(header.name), "ok");
  world.broadcast(&header, sizeof(header), size - 1);
  EXPECT_EQ(header.step, 42);
  EXPECT_EQ(header.loss, 3.25);
  EXPECT_STREQ(header.name, "ok");
  world.barrier();
}

TEST(Communicator, SplitByParityReversed) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  Communicator half = world.split(rank % 2, -rank);  // key -rank: highest rank first
  const int members = (size - rank % 2 + 1) / 2;
  EXPECT_EQ(half.size(), members);
  EXPECT_EQ(half.rank(), members - 1 - rank / 2);
  int sum = rank;
  MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_INT, MPI_SUM, half.handle());
  int expected = 0;
  for (int other = rank % 2; other < size; other += 2) expected += other;
  EXPECT_EQ(sum, expected);
}

TEST(Communicator, SubgroupOrdersByPosition) {
  Communicator world = Communicator::world();
  const int rank = world.rank(), size = world.size();
  // Two groups, each listed backwards: the lower half and the upper half.
  const int half = (size + 1) / 2;
  std::vector<int> group;
  const int low = rank < half ? 0 : half, high = rank < half ? half : size;
  for (int member = high - 1; member >= low; --member) group.push_back(member);
  Communicator sub = world.subgroup(group);
  EXPECT_EQ(sub.size(), high - low);
  EXPECT_EQ(sub.rank(), high - 1 - rank);
  EXPECT_THROW(world.subgroup({(rank + 1) % size == rank ? -1 : (rank + 1) % size}),
               std::runtime_error);  // a list without the caller: caught before any call
}

// For one shape: every axis communicator has the axis's size, ranks by the
// axis index, and sums the world ranks of exactly its group.
void check_grid_axes(const GridShape& shape, const Communicator& world) {
  SCOPED_TRACE("dp " + std::to_string(shape.dp) + " pp " + std::to_string(shape.pp) + " tp " +
               std::to_string(shape.tp));
  ProcessGrid grid(shape, world);
  EXPECT_EQ(grid.world_rank(), world.rank());
  EXPECT_EQ(grid.world().size(), world.size());
  EXPECT_EQ(rank_of(shape, grid.coord()), world.rank());
  for (Axis axis : kAxes) {
    const Communicator& comm = grid.axis(axis);
    EXPECT_EQ(comm.size(), axis_size(shape, axis)) << axis_name(axis);
    EXPECT_EQ(comm.rank(), axis_index(grid.coord(), axis)) << axis_name(axis);
    const std::vector<int> group = group_ranks(shape, world.rank(), axis);
    double sum = world.rank();
    comm.all_reduce_sum(&sum, 1);
    EXPECT_EQ(sum, std::accumulate(group.begin(), group.end(), 0.0)) << axis_name(axis);
    // Gathered world ranks come back in the group's own order.
    const std::vector<std::string> names = comm.gather_strings(std::to_string(world.rank()), 0);
    for (size_t position = 0; position < names.size(); ++position) {
      EXPECT_EQ(names[position], std::to_string(group[position])) << axis_name(axis);
    }
  }
}

TEST(ProcessGridMpi, DataTwoTensorTwo) {
  Communicator world = Communicator::world();
  if (world.size() != 4) GTEST_SKIP() << "dp=2 tp=2 needs 4 ranks, got " << world.size();
  check_grid_axes({2, 1, 2}, world);
}

TEST(ProcessGridMpi, EveryFactorisationOfTheWorld) {
  Communicator world = Communicator::world();
  const int size = world.size();
  for (int dp = 1; dp <= size; ++dp) {
    for (int pp = 1; pp <= size; ++pp) {
      if (size % (dp * pp) == 0) check_grid_axes({dp, pp, size / (dp * pp)}, world);
    }
  }
}

TEST(ProcessGridMpi, WrongWorldSizeIsAUsageError) {
  Communicator world = Communicator::world();
  try {
    ProcessGrid grid({world.size() + 1, 1, 1}, world);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    EXPECT_NE(std::string(error.what()).find("start with mpirun -np"), std::string::npos);
  }
}

// On ranks other than 0, only failures are printed, each with its rank.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.message());
  }

 private:
  int rank_;
};

}  // namespace
}  // namespace paratrain

int main(int argc, char** argv) {
  paratrain::MpiSession mpi(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (mpi.world_rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new paratrain::RankFailurePrinter(mpi.world_rank()));
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  // The job fails if any rank failed, whichever rank mpirun reports.
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (mpi.world_rank() == 0) {
    std::printf("communicator_test: %d of %d ranks failed\n", failed, mpi.world_size());
  }
  return failed == 0 ? 0 : 1;
}
