// Zero-bubble schedules train the same model as the sequential run, dropout
// on, 5 steps: losses and final weights (the split backward computes the
// weight gradients later, from what the input-gradient half kept).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "../temp_path.h"
#include "equivalence.h"

namespace paratrain {
namespace {

using testing::TrainedWeights;

constexpr int kSteps = 5;

TrainedWeights train(int ranks, const std::string& name, const std::string& layout) {
  TrainedWeights run;
  run.params_path = testing::temp_path("paratrain_zb_" + name + ".safetensors");
  const auto result =
      testing::mpirun(ranks, "train " + testing::kTinyModel + " " + layout + " --steps " +
                                 std::to_string(kSteps) + " --save-params " + run.params_path);
  EXPECT_EQ(result.exit_code, 0) << name << "\n" << result.output;
  run.losses = testing::losses_of(result.output);
  EXPECT_EQ(run.losses.size(), size_t(kSteps)) << result.output;
  return run;
}

const TrainedWeights& sequential() {
  static const TrainedWeights run = train(1, "sequential", "");
  return run;
}

void expect_same_training(const TrainedWeights& run, const std::string& name) {
  testing::expect_equivalent_training(run, sequential(), name);
}

}  // namespace

TEST(ZeroBubbleEquivalence, Pipeline2ZbH1) {
  expect_same_training(train(2, "pp2h1", "--pp 2 --micro-batch 1 --schedule zb-h1"), "pp=2 zb-h1");
}

TEST(ZeroBubbleEquivalence, Pipeline2ZbH2) {
  expect_same_training(train(2, "pp2h2", "--pp 2 --micro-batch 1 --schedule zb-h2"), "pp=2 zb-h2");
}

TEST(ZeroBubbleEquivalence, DataParallel2Pipeline2ZbH1) {
  expect_same_training(train(4, "dp2pp2h1", "--dp 2 --pp 2 --micro-batch 1 --schedule zb-h1"),
                       "dp=2 x pp=2 zb-h1");
}

TEST(ZeroBubbleEquivalence, Pipeline2TensorParallel2ZbH1) {
  expect_same_training(train(4, "pp2tp2h1", "--pp 2 --tp 2 --micro-batch 1 --schedule zb-h1"),
                       "pp=2 x tp=2 zb-h1");
}

// Stages that start mid-block (model/pieces.h): the attention half's output
// crosses the pipeline instead of a block's.
TEST(ZeroBubbleEquivalence, Pipeline2OneFOneBHalfBlockPartition) {
  expect_same_training(train(2, "pp2half", "--pp 2 --micro-batch 1 --schedule 1f1b --partition 'embed+1.5|2.5+head'"),
                       "pp=2 1f1b embed+1.5|2.5+head");
}

TEST(ZeroBubbleEquivalence, Pipeline2ZbH1EmbeddingAloneAndHalfBlocks) {
  expect_same_training(train(2, "pp2embed", "--pp 2 --micro-batch 1 --schedule zb-h1 --partition 'embed|4+head'"),
                       "pp=2 zb-h1 embed|4+head");
  expect_same_training(train(4, "pp4half", "--pp 4 --micro-batch 2 --schedule zb-h1 --partition 0.5,1.5,1.5,0.5"),
                       "pp=4 zb-h1 0.5,1.5,1.5,0.5");
}

// A deferred W that fills a receive's wait (parallel/pipeline_executor.h)
// changes when weight gradients are computed, not what is summed in which
// order: bit for bit the run of the lists in order. The first stage holds
// nearly all the model, so the second waits for each activation with a W
// pending (bench counts the W's run early).
TEST(FillWaits, BitIdenticalToTheListsInOrder) {
  const std::string layout = "--pp 2 --micro-batch 1 --schedule zb-h1 --partition 'embed+3.5|0.5+head'";
  const TrainedWeights filled = train(2, "fill", layout + " --fill-waits");
  const TrainedWeights in_order = train(2, "in_order", layout);
  testing::expect_identical_training(filled, in_order, "zb-h1 --fill-waits");

  auto weights_run_early = [&](const std::string& extra) {
    const auto result = testing::mpirun_split(2, "bench " + testing::kTinyModel + " " + layout + extra +
                                                     " --warmup 0 --steps 2 --peak-gflops 1");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    const std::string line = testing::last_json_line(result.stdout_text);
    if (line.empty()) {
      ADD_FAILURE() << "no record in\n" << result.output;
      return std::vector<int64_t>{};
    }
    const auto record = nlohmann::json::parse(line);
    std::vector<int64_t> early;
    for (const auto& rank : record["ranks"]) early.push_back(rank["weights_run_early"].get<int64_t>());
    return early;
  };
  const auto early = weights_run_early(" --fill-waits");
  ASSERT_EQ(early.size(), 2u);
  EXPECT_GT(early[1], 0);  // the second stage, waiting for activations
  EXPECT_EQ(weights_run_early(""), (std::vector<int64_t>{0, 0}));
}

// Sequence parallelism gathers a linear layer's input again in W: a
// collective inside the weight-gradient half.
TEST(ZeroBubbleEquivalence, Pipeline2TensorParallel2SequenceParallelZbH2) {
  expect_same_training(train(4, "pp2tp2sph2",
                             "--pp 2 --tp 2 --sequence-parallel --micro-batch 1 --schedule zb-h2"),
                       "pp=2 x tp=2 sequence parallel zb-h2");
}

}  // namespace paratrain
