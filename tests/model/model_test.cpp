// The model as a whole: init, and the same step whatever the micro-batching.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/memory.h"
#include "io/token_source.h"
#include "metrics/timeline.h"
#include "model/parameters.h"
#include "parallel/trainer.h"

namespace paratrain {

namespace {

struct SmallRun {
  TrainOptions options;
  Layout layout;
};

SmallRun small_options(int micro_batch) {
  SmallRun run;
  TrainOptions& options = run.options;
  options.model.vocab_size = 50;
  options.model.seq_len = 12;
  options.model.d_model = 16;
  options.model.n_heads = 4;
  options.model.n_layers = 2;
  options.model.ffn_mult = 4;
  options.model.dropout = 0.1f;
  options.model.batch_size = 8;
  options.adamw.lr = 1e-2f;
  options.seed = 99;
  run.layout.micro_batch = micro_batch;
  return run;
}

struct TrainingRun {
  std::vector<double> losses;
  std::vector<float> params;
};

TrainingRun train(const SmallRun& setup, int steps) {
  const TrainOptions& options = setup.options;
  MemoryTracker tracker;
  Timeline timeline;
  const SyntheticTokens data(options.seed, options.model.vocab_size, options.model.seq_len);
  const Communicator world = Communicator::world();
  ProcessGrid grid(setup.layout.grid, world);
  Trainer trainer(options, setup.layout, grid, data, tracker, timeline);
  TrainingRun run;
  for (int step = 0; step < steps; ++step) run.losses.push_back(trainer.train_step().loss);
  ParameterTable& params = trainer.chunks().front()->params();
  run.params.assign(params.values(), params.values() + params.size());
  return run;
}

}  // namespace

TEST(Init, FollowsModelMd) {
  MemoryTracker tracker;
  const ModelConfig config = small_options(0).options.model;
  ParameterTable table(tracker, unit_parameter_specs(config, 1));
  initialize_parameters(table, 5);
  const auto& qkv = table.find("blocks.0.attn.qkv.weight");
  double sum = 0, squares = 0;
  const int64_t count = qkv.spec.numel();
  for (int64_t idx = 0; idx < count; ++idx) {
    const double value = table.values()[qkv.offset + idx];
    sum += value;
    squares += value * value;
  }
  EXPECT_NEAR(sum / count, 0.0, 0.004);
  EXPECT_NEAR(std::sqrt(squares / count), 0.02, 0.002);
  EXPECT_EQ(table.value("blocks.0.ln1.weight")[3], 1.0f);
  EXPECT_EQ(table.value("blocks.0.attn.qkv.bias")[3], 0.0f);
  // proj and fc2 use 0.02 / sqrt(2 L)
  const auto& proj = table.find("blocks.0.attn.proj.weight");
  squares = 0;
  for (int64_t idx = 0; idx < proj.spec.numel(); ++idx) {
    squares += std::pow(table.values()[proj.offset + idx], 2);
  }
  EXPECT_NEAR(std::sqrt(squares / proj.spec.numel()), 0.02 / std::sqrt(4.0), 0.002);
}

TEST(Init, DoesNotDependOnWhichTableHoldsTheParameter) {
  MemoryTracker tracker;
  const ModelConfig config = small_options(0).options.model;
  ParameterTable block_only(tracker, unit_parameter_specs(config, 2));
  std::vector<ParameterSpec> all;
  for (int unit = 0; unit < unit_count(config); ++unit) {
    for (auto& spec : unit_parameter_specs(config, unit)) all.push_back(spec);
  }
  ParameterTable whole(tracker, all);
  initialize_parameters(block_only, 5);
  initialize_parameters(whole, 5);
  EXPECT_EQ(block_only.value("blocks.1.mlp.fc1.weight")[17], whole.value("blocks.1.mlp.fc1.weight")[17]);
}

TEST(Trainer, InitialLossIsLogVocab) {
  const TrainingRun run = train(small_options(0), 1);
  EXPECT_NEAR(run.losses[0], std::log(50.0), 0.1);
}

// Gradient accumulation over micro-batches, with dropout on, is the same
// step as the whole batch at once: the dropout masks are keyed by global
// sample index, and only float summation order differs.
TEST(Trainer, MicroBatchesGiveTheSameSteps) {
  const TrainingRun whole = train(small_options(0), 4);
  const TrainingRun split = train(small_options(2), 4);
  for (size_t step = 0; step < whole.losses.size(); ++step) {
    EXPECT_NEAR(split.losses[step], whole.losses[step], 1e-5 * whole.losses[step]);
  }
  ASSERT_EQ(whole.params.size(), split.params.size());
  // Adam moves an element by about lr * g / (|g| + eps), so where the true
  // gradient is ~0 (e.g. the K rows of qkv.bias, whose gradient is exactly 0
  // in exact arithmetic) float noise alone may move it by up to 2 lr a step.
  // Everything else must agree to 1e-5.
  double worst = 0;
  size_t off = 0;
  for (size_t idx = 0; idx < whole.params.size(); ++idx) {
    const double diff = std::fabs(whole.params[idx] - split.params[idx]);
    worst = std::fmax(worst, diff);
    off += diff > 1e-5;
  }
  EXPECT_LE(worst, 2 * 1e-2 * 4);
  EXPECT_LT(double(off) / whole.params.size(), 1e-2) << off << " elements differ by > 1e-5";
}

TEST(Trainer, DropoutChangesTheStepAndSeedMatters) {
  SmallRun no_dropout = small_options(0);
  no_dropout.options.model.dropout = 0.0f;
  EXPECT_NE(train(small_options(0), 1).losses[0], train(no_dropout, 1).losses[0]);
  SmallRun other_seed = small_options(0);
  other_seed.options.seed = 100;
  EXPECT_NE(train(small_options(0), 1).losses[0], train(other_seed, 1).losses[0]);
}

}  // namespace paratrain
