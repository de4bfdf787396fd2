// Zero-bubble schedules train the same model as the sequential run, dropout
// on, 5 steps: losses and final weights (the split backward computes the
// weight gradients later, from what the input-gradient half kept).
#include <gtest/gtest.h>

#include <string>

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

// Sequence parallelism gathers a linear layer's input again in W: a
// collective inside the weight-gradient half.
TEST(ZeroBubbleEquivalence, Pipeline2TensorParallel2SequenceParallelZbH2) {
  expect_same_training(train(4, "pp2tp2sph2",
                             "--pp 2 --tp 2 --sequence-parallel --micro-batch 1 --schedule zb-h2"),
                       "pp=2 x tp=2 sequence parallel zb-h2");
}

}  // namespace paratrain
