// Megatron's region operations and their backward duals (model/tensor_parallel.h,
// model/sequence_parallel.h): each backward must be the adjoint of its forward,
// sum over ranks <forward(x), y> == sum over ranks <x, backward(y)>. The ranks
// of a group are threads of this process, talking through shared memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <barrier>
#include <cmath>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "model/sequence_parallel.h"
#include "model/tensor_parallel.h"

namespace paratrain {

namespace {

// The collectives of `size` threads: each publishes its input, all wait, each
// reads what it needs, all wait again before the slots are reused.
class SharedMemoryWorld {
 public:
  explicit SharedMemoryWorld(int size) : size_(size), slots_(size), sync_(size) {}
  int size() const { return size_; }
  void publish(int rank, const float* data, size_t count) {
    slots_[rank].assign(data, data + count);
    sync_.arrive_and_wait();
  }
  const std::vector<float>& slot(int rank) const { return slots_[rank]; }
  void done() { sync_.arrive_and_wait(); }

 private:
  int size_;
  std::vector<std::vector<float>> slots_;
  std::barrier<> sync_;
};

class ThreadGroup : public TensorParallelGroup {
 public:
  ThreadGroup(SharedMemoryWorld& world, int rank) : world_(world), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return world_.size(); }
  void all_reduce_sum(float* data, size_t count) override {
    world_.publish(rank_, data, count);
    for (size_t idx = 0; idx < count; ++idx) {
      float sum = 0;
      for (int peer = 0; peer < size(); ++peer) sum += world_.slot(peer)[idx];
      data[idx] = sum;
    }
    world_.done();
  }
  void all_reduce_max(float*, size_t) override { FAIL() << "not a region operation"; }
  void all_gather(const float* in, float* out, size_t count_per_rank) override {
    world_.publish(rank_, in, count_per_rank);
    for (int peer = 0; peer < size(); ++peer) {
      std::copy(world_.slot(peer).begin(), world_.slot(peer).end(), out + peer * count_per_rank);
    }
    world_.done();
  }
  void reduce_scatter_sum(const float* in, float* out, size_t count_per_rank) override {
    world_.publish(rank_, in, count_per_rank * size());
    for (size_t idx = 0; idx < count_per_rank; ++idx) {
      float sum = 0;
      for (int peer = 0; peer < size(); ++peer) sum += world_.slot(peer)[rank_ * count_per_rank + idx];
      out[idx] = sum;
    }
    world_.done();
  }

 private:
  SharedMemoryWorld& world_;
  int rank_;
};

std::vector<float> random_values(size_t count, uint32_t seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& value : values) value = dist(engine);
  return values;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t idx = 0; idx < a.size(); ++idx) sum += static_cast<double>(a[idx]) * b[idx];
  return sum;
}

// Runs body(tp, rank) on `ranks` threads, one group member each.
void on_ranks(int ranks, const std::function<void(const TensorParallel&, int)>& body) {
  SharedMemoryWorld world(ranks);
  std::vector<ThreadGroup> groups;
  for (int rank = 0; rank < ranks; ++rank) groups.emplace_back(world, rank);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < ranks; ++rank) {
    threads.emplace_back([&, rank] { body(TensorParallel{&groups[rank], true}, rank); });
  }
  for (auto& thread : threads) thread.join();
}

const SequenceShape kShape{3, 8, 5};  // samples, T, width
const size_t kFull = 3 * 8 * 5;

// Sums over ranks of <forward(x_r), y_r> and of <x_r, backward(y_r)>.
struct InnerProducts {
  double forward = 0, backward = 0;
};

}  // namespace

TEST(RegionOps, GatherFromSequenceIsTheAdjointOfReduceScatter) {
  for (int ranks : {1, 2, 4}) {
    const size_t part = kFull / ranks;
    std::vector<InnerProducts> per_rank(ranks);
    on_ranks(ranks, [&](const TensorParallel& tp, int rank) {
      const auto x = random_values(part, 10 + rank), y = random_values(kFull, 20 + rank);
      std::vector<float> staging(kFull), gathered(kFull), scattered(part);
      gather_from_sequence_region(tp, x.data(), kShape, staging.data(), gathered.data());
      reduce_scatter_to_sequence_region(tp, y.data(), kShape, staging.data(), scattered.data());
      per_rank[rank] = {dot(gathered, y), dot(x, scattered)};
    });
    InnerProducts total;
    for (const auto& products : per_rank) total.forward += products.forward, total.backward += products.backward;
    EXPECT_NEAR(total.forward, total.backward, 1e-4 * (1 + std::abs(total.forward))) << ranks << " ranks";
  }
}

TEST(RegionOps, ScatterToSequenceIsTheAdjointOfGather) {
  for (int ranks : {1, 2, 4}) {
    const size_t part = kFull / ranks;
    std::vector<InnerProducts> per_rank(ranks);
    const auto x = random_values(kFull, 30);  // replicated: every rank's input
    on_ranks(ranks, [&](const TensorParallel& tp, int rank) {
      const auto y = random_values(part, 40 + rank);
      std::vector<float> staging(kFull), scattered(part), gathered(kFull);
      scatter_to_sequence_region(tp, x.data(), kShape, scattered.data());
      gather_from_sequence_region(tp, y.data(), kShape, staging.data(), gathered.data());
      // The input is one tensor held by all: its gradient is counted once.
      per_rank[rank] = {dot(scattered, y), rank == 0 ? dot(x, gathered) : 0.0};
    });
    InnerProducts total;
    for (const auto& products : per_rank) total.forward += products.forward, total.backward += products.backward;
    EXPECT_NEAR(total.forward, total.backward, 1e-4 * (1 + std::abs(total.forward))) << ranks << " ranks";
  }
}

// Each rank's part of the scatter is its own positions, sample by sample.
TEST(RegionOps, ScatterThenGatherIsTheIdentity) {
  const auto x = random_values(kFull, 50);
  on_ranks(2, [&](const TensorParallel& tp, int /*rank*/) {
    std::vector<float> staging(kFull), part(kFull / 2), back(kFull);
    scatter_to_sequence_region(tp, x.data(), kShape, part.data());
    gather_from_sequence_region(tp, part.data(), kShape, staging.data(), back.data());
    EXPECT_EQ(back, x);
  });
}

TEST(RegionOps, CopyToAndReduceFromTensorRegionAreDuals) {
  for (int ranks : {1, 2, 4}) {
    std::vector<InnerProducts> copy(ranks), reduce(ranks);
    const auto replicated = random_values(kFull, 60);
    on_ranks(ranks, [&](const TensorParallel& tp, int rank) {
      const auto y = random_values(kFull, 70 + rank);
      // f: forward the identity (every rank uses the replicated input), backward the sum.
      std::vector<float> dx = y;
      copy_to_tensor_region_backward(tp, dx.data(), kFull);
      copy[rank] = {dot(replicated, y), rank == 0 ? dot(replicated, dx) : 0.0};
      // g: forward the sum of the ranks' partials, backward the identity.
      auto partial = random_values(kFull, 80 + rank);
      const auto x = partial;
      reduce_from_tensor_region(tp, partial.data(), kFull);
      reduce[rank] = {rank == 0 ? dot(partial, replicated) : 0.0, dot(x, replicated)};
    });
    for (const auto* products : {&copy, &reduce}) {
      InnerProducts total;
      for (const auto& item : *products) total.forward += item.forward, total.backward += item.backward;
      EXPECT_NEAR(total.forward, total.backward, 1e-4 * (1 + std::abs(total.forward))) << ranks << " ranks";
    }
  }
}

// Without a group every region operation is the identity (the sequential run).
TEST(RegionOps, WithoutAGroupNothingMoves) {
  const TensorParallel none;
  auto data = random_values(kFull, 90);
  const auto before = data;
  copy_to_tensor_region_backward(none, data.data(), kFull);
  reduce_from_tensor_region(none, data.data(), kFull);
  EXPECT_EQ(data, before);
  EXPECT_FALSE(none.splits_sequence());
  EXPECT_EQ(none.local_seq_len(8), 8);
}

}  // namespace paratrain
