// The strategy parts alone (world of one rank): the optimizers behind the
// Optimizer interface and their state accessors, gradient syncs composed in
// a chain, and the parameter gather.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "comm/communicator.h"
#include "core/memory.h"
#include "metrics/timeline.h"
#include "model/chunk.h"
#include "model/parameters.h"
#include "parallel/adamw.h"
#include "parallel/gradient_sync.h"
#include "parallel/layout_parts.h"
#include "parallel/parameter_gather.h"
#include "parallel/sharded_adamw.h"
#include "parallel/zero_gradient_scatter.h"

namespace paratrain {

namespace {

const kernels::AdamWHyper kHyper{1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f};

ModelConfig tiny_config() {
  ModelConfig model;
  model.vocab_size = 64;
  model.seq_len = 8;
  model.d_model = 16;
  model.n_heads = 2;
  model.n_layers = 2;
  model.batch_size = 2;
  return model;
}

std::vector<ParameterSpec> two_tensors() {
  return {{"w", {3, 5}, {3, 5}, InitKind::kNormal, 0.02f, {{{0, 3}}, 0}},
          {"b", {5}, {5}, InitKind::kZeros, 0.0f, {{{0, 5}}, 0}}};
}

void fill_grads(ParameterTable& params) {
  for (size_t idx = 0; idx < params.size(); ++idx) params.grads()[idx] = 0.01f * (idx % 7) - 0.03f;
}

// Records the order of the calls it gets, under its own name.
class RecordingSync : public GradientSync {
 public:
  RecordingSync(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  void on_unit_done(int chunk, int unit) override {
    log_.push_back(name_ + " unit " + std::to_string(chunk) + ":" + std::to_string(unit));
  }
  void finish(uint32_t step) override { log_.push_back(name_ + " finish " + std::to_string(step)); }

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

}  // namespace

TEST(Optimizer, AdamWStateIsReadableAndItsStepCountSettable) {
  MemoryTracker tracker;
  Timeline timeline;
  ParameterTable params(tracker, two_tensors());
  initialize_parameters(params, 7);
  AdamW adamw(tracker, params, kHyper, timeline);
  EXPECT_EQ(adamw.step_count(), 0);
  fill_grads(params);
  adamw.step(0);
  EXPECT_EQ(adamw.step_count(), 1);
  const OptimizerState state = adamw.state();
  EXPECT_EQ(state.begin, 0u);
  EXPECT_EQ(state.count, params.size());
  EXPECT_EQ(state.holding, ReplicaHolding::kWhole);
  for (size_t idx = 0; idx < params.size(); ++idx) {
    const float grad = params.grads()[idx];
    EXPECT_FLOAT_EQ(state.moment1[idx], (1 - kHyper.beta1) * grad);
    EXPECT_FLOAT_EQ(state.moment2[idx], (1 - kHyper.beta2) * grad * grad);
  }
  adamw.set_step_count(41);
  EXPECT_EQ(adamw.step_count(), 41);
  ASSERT_EQ(timeline.events().size(), 1u);
  EXPECT_EQ(timeline.events()[0].kind, EventKind::kOptimizer);
}

// Over a data-parallel group of one, ZeRO-1 is plain AdamW, bit for bit, and
// its state says it is a shard.
TEST(Optimizer, ShardedAdamWOverOneRankIsAdamW) {
  const Communicator world = Communicator::world();
  ASSERT_EQ(world.size(), 1);
  MemoryTracker tracker;
  Timeline timeline;
  ParameterTable plain(tracker, two_tensors()), sharded(tracker, two_tensors());
  initialize_parameters(plain, 7);
  initialize_parameters(sharded, 7);
  AdamW adamw(tracker, plain, kHyper, timeline);
  ShardedAdamW zero(tracker, sharded, world, kHyper, timeline);
  for (uint32_t step = 0; step < 3; ++step) {
    fill_grads(plain);
    fill_grads(sharded);
    adamw.step(step);
    zero.step(step);
  }
  for (size_t idx = 0; idx < plain.size(); ++idx) EXPECT_EQ(plain.values()[idx], sharded.values()[idx]);
  const OptimizerState state = zero.state();
  EXPECT_EQ(state.holding, ReplicaHolding::kSharded);
  EXPECT_EQ(state.begin, 0u);
  EXPECT_EQ(state.count, sharded.padded_size());
  EXPECT_EQ(zero.step_count(), 3);
  for (size_t idx = 0; idx < plain.size(); ++idx) {
    EXPECT_EQ(state.moment1[idx], adamw.state().moment1[idx]);
    EXPECT_EQ(state.moment2[idx], adamw.state().moment2[idx]);
  }
}

TEST(GradientSync, AChainRunsItsPartsInOrder) {
  std::vector<std::string> log;
  GradientSyncChain chain;
  chain.add(std::make_unique<RecordingSync>("dp", log));
  chain.add(std::make_unique<RecordingSync>("sp", log));
  chain.on_unit_done(1, 4);
  chain.finish(9);
  EXPECT_EQ(log, (std::vector<std::string>{"dp unit 1:4", "sp unit 1:4", "dp finish 9", "sp finish 9"}));
  EXPECT_EQ(chain.size(), 2);
}

// The factory builds exactly the syncs a layout needs, sums in their order.
TEST(GradientSync, TheFactoryComposesWhatTheLayoutAsks) {
  const Communicator world = Communicator::world();
  const ProcessGrid grid({1, 1, 1}, world);
  Timeline timeline;
  auto group = make_tensor_parallel_group(grid, timeline);
  const Layout sequential;
  auto sync = make_gradient_sync(sequential, grid, {}, *group, timeline);
  auto* chain = dynamic_cast<GradientSyncChain*>(sync.get());
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->size(), 0);  // one rank: nothing to sum
  EXPECT_EQ(parameter_padding(sequential), 1u);
  EXPECT_FALSE(tensor_parallel_view(sequential, *group).active());

  Layout zero;
  zero.grid.dp = 4;
  zero.zero = ZeroStage::kOptimizerState;
  EXPECT_EQ(parameter_padding(zero), 4u);
}

// ZeRO-1's reduce-scatter over one rank leaves the gradients as they are and
// shows as a reduce-scatter on the timeline.
TEST(GradientSync, ZeroScatterRecordsAReduceScatter) {
  const Communicator world = Communicator::world();
  MemoryTracker tracker;
  Timeline timeline;
  ModelConfig model = tiny_config();
  Workspace workspace(tracker, model, 1, {});
  ModelChunk chunk(model, whole_model(model), tracker, workspace, 1, 1, {}, 1);
  fill_grads(chunk.params());
  std::vector<float> before(chunk.params().grads(), chunk.params().grads() + chunk.params().size());
  ZeroGradientScatter scatter({&chunk}, world, timeline);
  scatter.finish(3);
  EXPECT_EQ(std::vector<float>(chunk.params().grads(), chunk.params().grads() + chunk.params().size()), before);
  ASSERT_EQ(timeline.events().size(), 1u);
  EXPECT_EQ(timeline.events()[0].kind, EventKind::kReduceScatter);
  EXPECT_STREQ(timeline.events()[0].label, "zero reduce-scatter");
}

// The gather returns every tensor whole, under its MODEL.md name, whether the
// array is held whole or as a (one-rank) shard.
TEST(ParameterGather, ReturnsTheFullTensorsOfTheModel) {
  const Communicator world = Communicator::world();
  const ProcessGrid grid({1, 1, 1}, world);
  MemoryTracker tracker;
  ModelConfig model = tiny_config();
  Workspace workspace(tracker, model, 1, {});
  ModelChunk chunk(model, whole_model(model), tracker, workspace, 1, 1, {}, 1);
  initialize_parameters(chunk.params(), 5);
  const ParameterGather gather(model, Layout{}, grid);
  for (ReplicaHolding holding : {ReplicaHolding::kWhole, ReplicaHolding::kSharded}) {
    const auto tensors = gather.gather(
        [&](int) { return HeldPart{chunk.params().values(), 0, chunk.params().padded_size()}; }, holding);
    ASSERT_EQ(tensors.size(), chunk.params().entries().size());
    for (size_t idx = 0; idx < tensors.size(); ++idx) {
      const auto& entry = chunk.params().entries()[idx];
      EXPECT_EQ(tensors[idx].spec.name, entry.spec.name);
      const float* expected = chunk.params().values() + entry.offset;
      EXPECT_EQ(tensors[idx].values, std::vector<float>(expected, expected + entry.spec.numel()));
    }
  }
}

}  // namespace paratrain
