// Tensor-parallel slicing, without processes: what each rank holds and what
// sequence parallelism saves, from the tracked allocator.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "core/memory.h"
#include "model/block.h"
#include "model/chunk.h"
#include "model/parameters.h"
#include "model/tensor_parallel.h"

namespace paratrain {

namespace {

// A group of `size` ranks that is never asked to communicate here.
class IdleGroup : public TensorParallelGroup {
 public:
  IdleGroup(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void all_reduce_sum(float*, size_t) override { FAIL() << "no communication expected"; }
  void all_reduce_max(float*, size_t) override { FAIL() << "no communication expected"; }
  void all_gather(const float*, float*, size_t) override { FAIL() << "no communication expected"; }
  void reduce_scatter_sum(const float*, float*, size_t) override { FAIL() << "no communication expected"; }

 private:
  int rank_, size_;
};

ModelConfig config() {
  ModelConfig model = cpu_small_config();  // V=1000 T=128 D=256 H=8 L=4
  return model;
}

size_t block_parameter_bytes(const TensorSlice& slice, bool matrices_only) {
  size_t bytes = 0;
  for (const auto& spec : unit_parameter_specs(config(), 1, slice)) {
    if (matrices_only && spec.shape.size() < 2) continue;
    bytes += spec.numel() * sizeof(float);
  }
  return bytes;
}

}  // namespace

TEST(TensorParallelSlicing, BlockMatricesAreATpthOfTheModel) {
  for (int tp : {2, 4, 8}) {
    EXPECT_EQ(block_parameter_bytes({0, tp, false}, true) * tp, block_parameter_bytes({}, true));
    // with LayerNorms and the row-parallel biases replicated:
    const size_t replicated = (4 + 2) * config().d_model * sizeof(float);
    const size_t sharded_vectors = (3 + 4) * config().d_model * sizeof(float);  // qkv and fc1 biases
    EXPECT_EQ(block_parameter_bytes({1, tp, false}, false),
              block_parameter_bytes({}, true) / tp + replicated + sharded_vectors / tp);
  }
}

// Every rank holds a disjoint part, and together they are the whole tensor.
TEST(TensorParallelSlicing, ShardsPartitionEveryTensor) {
  const int tp = 4;
  for (int unit = 0; unit < unit_count(config()); ++unit) {
    const auto full = unit_parameter_specs(config(), unit);
    for (size_t tensor = 0; tensor < full.size(); ++tensor) {
      std::vector<int> owners(full[tensor].full_numel(), 0);
      for (int rank = 0; rank < tp; ++rank) {
        const ParameterSpec spec = unit_parameter_specs(config(), unit, {rank, tp, false})[tensor];
        const bool replicated = spec.numel() == spec.full_numel();
        for (int64_t idx = 0; idx < spec.numel(); ++idx) owners[spec.global_index(idx)] += 1;
        if (replicated) {
          EXPECT_EQ(spec.shape, spec.full_shape) << spec.name;
        }
      }
      const bool replicated = unit_parameter_specs(config(), unit, {0, tp, false})[tensor].numel() ==
                              full[tensor].full_numel();
      for (int count : owners) ASSERT_EQ(count, replicated ? tp : 1) << full[tensor].name;
    }
  }
}

// qkv's shard is the rank's heads in each of Q, K and V (MODEL.md's row layout).
TEST(TensorParallelSlicing, QkvShardHoldsTheRanksHeads) {
  const ModelConfig model = config();
  const ParameterSpec qkv = unit_parameter_specs(model, 1, {1, 2, false})[2];
  ASSERT_EQ(qkv.name, "blocks.0.attn.qkv.weight");
  const int64_t d = model.d_model, half = d / 2;
  ASSERT_EQ(qkv.shard.rows.size(), 3u);
  for (int part = 0; part < 3; ++part) {
    EXPECT_EQ(qkv.shard.rows[part].first, part * d + half);
    EXPECT_EQ(qkv.shard.rows[part].second, part * d + d);
  }
  const ParameterSpec proj = unit_parameter_specs(model, 1, {1, 2, false})[4];
  EXPECT_EQ(proj.shape, (std::vector<int64_t>{d, half}));
  EXPECT_EQ(proj.global_index(0), half);  // row 0, first column of the second half
}

TEST(TensorParallelSlicing, ExtractAndInsertRoundTrip) {
  const ParameterSpec spec = unit_parameter_specs(config(), 1, {1, 4, false})[10];  // fc2.weight
  std::vector<float> full(spec.full_numel());
  std::iota(full.begin(), full.end(), 0.0f);
  std::vector<float> local(spec.numel());
  extract_shard(spec, full.data(), local.data());
  std::vector<float> back(full.size(), -1.0f);
  insert_shard(spec, local.data(), back.data());
  for (int64_t idx = 0; idx < spec.numel(); ++idx) EXPECT_EQ(back[spec.global_index(idx)], full[spec.global_index(idx)]);
}

// Sequence parallelism divides what the layernorm/dropout regions keep for
// backward by tp; the tensor-parallel regions are divided by tp either way.
TEST(TensorParallelMemory, SequenceParallelDividesTheLayerNormRegions) {
  const ModelConfig model = config();
  const int micro_batch = 2, tp = 2;
  IdleGroup group(0, tp);
  MemoryTracker tracker;
  auto bytes_of = [&](const TensorParallel& parallel) {
    Workspace workspace(tracker, model, micro_batch, parallel);
    ParameterTable params(tracker, unit_parameter_specs(model, 1, parallel.slice()));
    Block block(model, 0, BlockPart::kWhole, params, workspace, parallel, tracker, micro_batch, 1);
    return std::pair{block.sequence_region_bytes(), block.tensor_region_bytes()};
  };
  const auto [plain_seq, plain_tensor] = bytes_of(TensorParallel{});
  const auto [tp_seq, tp_tensor] = bytes_of(TensorParallel{&group, false});
  const auto [sp_seq, sp_tensor] = bytes_of(TensorParallel{&group, true});
  EXPECT_EQ(tp_seq, plain_seq);          // tensor parallelism alone keeps them whole
  EXPECT_EQ(sp_seq * tp, plain_seq);     // sequence parallelism divides them by tp
  EXPECT_EQ(tp_tensor * tp, plain_tensor);
  EXPECT_EQ(sp_tensor, tp_tensor);
  // and the chunk's residual stream between units too
  const size_t before = tracker.live_bytes(MemoryCategory::kActivations);
  Workspace workspace(tracker, model, micro_batch, TensorParallel{&group, true});
  ModelChunk chunk(model, pieces_of(model, 1, 5), tracker, workspace, micro_batch, 1, TensorParallel{&group, true});
  const size_t sp_chunk = tracker.live_bytes(MemoryCategory::kActivations) - before;
  EXPECT_EQ(sp_chunk, 2 * (sp_seq + sp_tensor) +
                          3 * size_t(micro_batch) * model.seq_len / tp * model.d_model * sizeof(float));
}

}  // namespace paratrain
