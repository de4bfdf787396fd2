// Every layout trains the same model as the sequential run (with dropout on),
// passes verify, and refuses what does not fit; a failing rank ends the job.
#include <gtest/gtest.h>
#include "../temp_path.h"

#include <chrono>
#include <cmath>
#include <regex>
#include <vector>

#include <nlohmann/json.hpp>

#include "equivalence.h"
#include "io/safetensors.h"

namespace paratrain {

using testing::CommandResult;
using testing::run_command;

namespace {

using testing::mpirun;
using testing::TrainedWeights;

const std::string& kConfig = testing::kTinyModel;
constexpr int kSteps = 5;

TrainedWeights train(int ranks, const std::string& name, const std::string& layout) {
  TrainedWeights run;
  run.params_path = testing::temp_path("paratrain_" + name + ".safetensors");
  const auto result = mpirun(ranks, "train " + kConfig + " " + layout + " --steps " +
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

// testing::expect_equivalent_training says why its tolerances hold.
void expect_same_training(const TrainedWeights& run, const std::string& name) {
  testing::expect_equivalent_training(run, sequential(), name);
}

}  // namespace

TEST(Equivalence, DropoutMatters) {
  // Sanity of the test itself: another seed trains differently.
  const auto other = mpirun(1, "train " + kConfig + " --seed 12 --steps 1");
  ASSERT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(testing::losses_of(other.output).at(0), sequential().losses.at(0));
}

TEST(Equivalence, DataParallel2) { expect_same_training(train(2, "dp2", "--dp 2"), "dp=2"); }

TEST(Equivalence, DataParallel2MicroBatches) {
  expect_same_training(train(2, "dp2mb", "--dp 2 --micro-batch 2 --bucket-mb 0.01"), "dp=2 mb=2, small buckets");
}

TEST(Equivalence, PipelineGPipe) {
  expect_same_training(train(2, "pp2gpipe", "--pp 2 --micro-batch 2 --schedule gpipe"), "pp=2 gpipe");
}

TEST(Equivalence, Pipeline1F1B) {
  expect_same_training(train(2, "pp2oneb", "--pp 2 --micro-batch 1 --schedule 1f1b"), "pp=2 1f1b");
}

TEST(Equivalence, PipelineInterleaved) {
  expect_same_training(
      train(2, "pp2int", "--pp 2 --micro-batch 2 --schedule interleaved --virtual-stages 2"),
      "pp=2 interleaved v=2");
}

TEST(Equivalence, HybridDataPipeline) {
  expect_same_training(train(4, "dp2pp2", "--dp 2 --pp 2 --micro-batch 2 --schedule 1f1b"), "dp=2 x pp=2");
}

TEST(Equivalence, TensorParallel2) { expect_same_training(train(2, "tp2", "--tp 2"), "tp=2"); }

TEST(Equivalence, TensorParallel2SequenceParallel) {
  expect_same_training(train(2, "tp2sp", "--tp 2 --sequence-parallel"), "tp=2 sequence parallel");
}

TEST(Equivalence, DataParallel2Zero1) {
  expect_same_training(train(2, "dp2zero", "--dp 2 --zero 1"), "dp=2 zero 1");
}

TEST(Equivalence, TensorParallel2Pipeline2) {
  expect_same_training(train(4, "tp2pp2", "--tp 2 --pp 2 --micro-batch 2 --schedule 1f1b"),
                       "tp=2 x pp=2 1f1b");
}

TEST(Equivalence, DataParallel2TensorParallel2) {
  expect_same_training(train(4, "dp2tp2", "--dp 2 --tp 2"), "dp=2 x tp=2");
}

TEST(Equivalence, ThreeDimensions) {
  expect_same_training(train(8, "dp2pp2tp2", "--dp 2 --pp 2 --tp 2 --micro-batch 2"),
                       "dp=2 x pp=2 x tp=2");
}

TEST(Equivalence, ThreeDimensionsWithEveryOption) {
  expect_same_training(
      train(8, "dp2pp2tp2all",
            "--dp 2 --pp 2 --tp 2 --micro-batch 2 --schedule interleaved --virtual-stages 2 "
            "--sequence-parallel --zero 1"),
      "dp=2 x pp=2 x tp=2, interleaved, sequence parallel, zero 1");
}

TEST(VerifyLayouts, ReferenceFilesPassUnderEachLayout) {
  struct Case {
    int ranks;
    std::string layout;
  };
  const std::vector<Case> cases = {{2, "--dp 2"},
                                   {2, "--pp 2 --micro-batch 1 --schedule gpipe"},
                                   {2, "--pp 2 --micro-batch 1 --schedule 1f1b"},
                                   {2, "--pp 2 --micro-batch 1 --schedule interleaved --virtual-stages 2"},
                                   {4, "--dp 2 --pp 2 --micro-batch 1"},
                                   {2, "--tp 2"},
                                   {2, "--tp 2 --sequence-parallel"},
                                   {4, "--dp 2 --tp 2"}};
  for (const auto& c : cases) {
    const auto result = mpirun(c.ranks, "verify --reference " PARATRAIN_REFERENCE_DIR "/small.safetensors " + c.layout);
    EXPECT_EQ(result.exit_code, 0) << c.layout << "\n" << result.output;
    EXPECT_NE(result.output.find("VERIFY PASS"), std::string::npos) << result.output;
  }
  // tiny has B = 3 and L = 2: what can split it passes, the rest is refused.
  const auto pp = mpirun(2, "verify --reference " PARATRAIN_REFERENCE_DIR "/tiny.safetensors --pp 2 --micro-batch 1");
  EXPECT_EQ(pp.exit_code, 0) << pp.output;
  const auto tp = mpirun(2, "verify --reference " PARATRAIN_REFERENCE_DIR "/tiny.safetensors --tp 2");
  EXPECT_EQ(tp.exit_code, 0) << tp.output;
  const auto dp = mpirun(2, "verify --reference " PARATRAIN_REFERENCE_DIR "/tiny.safetensors --dp 2");
  EXPECT_EQ(dp.exit_code, 2) << dp.output;
  EXPECT_NE(dp.output.find("--batch-size (3) must be divisible by --dp (2)"), std::string::npos) << dp.output;
}

TEST(RefusedLayouts, OneLineAndExitTwo) {
  struct Case {
    int ranks;
    std::string layout, message;
  };
  const std::vector<Case> cases = {
      {2, "", "world size 2 must equal dp x pp x tp"},
      {2, "--dp 2 --pp 2", "world size 2 must equal dp x pp x tp"},
      {2, "--pp 2 --micro-batch 3", "--micro-batch (3) must divide"},
      {2, "--dp 2 --batch-size 7", "--batch-size (7) must be divisible by --dp (2)"},
      {2, "--pp 2 --schedule interleaved --virtual-stages 3 --n-layers 1",
       "must not exceed 2 x --n-layers + 2 (4)"},
      {2, "--pp 2 --schedule interleaved --virtual-stages 3 --micro-batch 2",
       "--virtual-stages (3) must divide the blocks"},
      {2, "--pp 2 --partition 'embed+2|1.5+head'", "--partition must add up to --n-layers (4) blocks"},
      {2, "--pp 2 --partition 2,2.25", "--partition needs one block count per stage"},
      {2, "--pp 2 --schedule interleaved --virtual-stages 2 --micro-batch 8", "multiple of --pp"},
      {2, "--pp 2 --virtual-stages 2", "--virtual-stages needs --schedule interleaved"},
      {2, "--pp 2 --schedule zigzag", "--schedule must be gpipe, 1f1b, interleaved, zb-h1 or zb-h2"},
      {2, "--pp 2 --partition 1,1", "--partition must add up to --n-layers (4)"},
      {2, "--pp 2 --schedule zb-h1 --recompute full", "needs --recompute none or selective"},
      {2, "--tp 2 --n-heads 1", "--n-heads (1) must be divisible by --tp (2)"},
      {2, "--tp 2 --vocab-size 63", "--vocab-size (63) must be divisible by --tp (2)"},
      {2, "--tp 2 --sequence-parallel --seq-len 15", "--seq-len (15) must be divisible by --tp (2)"},
      {2, "--pp 2 --sequence-parallel", "--sequence-parallel needs --tp > 1"},
      {2, "--pp 2 --zero 1", "--zero 1 needs --dp > 1"},
      {2, "--dp 2 --zero 2", "--zero must be 0 or 1"},
  };
  for (const auto& c : cases) {
    const auto result = mpirun(c.ranks, "train " + kConfig + " --steps 1 " + c.layout);
    EXPECT_EQ(result.exit_code, 2) << c.layout << "\n" << result.output;
    EXPECT_NE(result.output.find(c.message), std::string::npos) << c.layout << "\n" << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1)
        << "one line expected for " << c.layout << ":\n" << result.output;
  }
}

TEST(Failure, AThrowingRankEndsTheJob) {
  const auto begin = std::chrono::steady_clock::now();
  const auto result = mpirun(2, "train " + kConfig + " --pp 2 --steps 200",
                             "-q -x PARATRAIN_INJECT_FAULT=1:2:throw");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_LT(seconds, 30.0);
  EXPECT_NE(result.output.find("rank 1 of 2 failed: injected fault at step 2"), std::string::npos) << result.output;
}

TEST(Failure, AKilledRankEndsTheJob) {
  const auto begin = std::chrono::steady_clock::now();
  // Without -q: here mpirun's own message is the one that names the dead rank.
  const auto result = mpirun(2, "train " + kConfig + " --dp 2 --steps 200",
                             "-x PARATRAIN_INJECT_FAULT=1:3:kill");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_LT(seconds, 30.0);
  EXPECT_NE(result.output.find("rank 1"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("signal 9"), std::string::npos) << result.output;
}

}  // namespace paratrain

namespace paratrain {

namespace {

nlohmann::json bench_record(int ranks, const std::string& layout) {
  const auto result =
      testing::mpirun_split(ranks, "bench " + kConfig + " --warmup 0 --steps 1 --peak-gflops 100 " + layout);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return nlohmann::json::parse(testing::last_json_line(result.stdout_text));
}

double peak(const nlohmann::json& record, int rank, const char* category) {
  return record["ranks"][rank]["peak_bytes"][category].get<double>();
}

}  // namespace

// ZeRO-1 keeps a dp-th of the optimizer state on each rank (up to padding).
TEST(Memory, Zero1ShardsTheOptimizerState) {
  const auto plain = bench_record(2, "--dp 2");
  const auto zero = bench_record(2, "--dp 2 --zero 1");
  for (int rank = 0; rank < 2; ++rank) {
    const double ratio = peak(zero, rank, "optimizer") / peak(plain, rank, "optimizer");
    EXPECT_NEAR(ratio, 0.5, 1e-3) << "rank " << rank;
    EXPECT_NEAR(peak(zero, rank, "parameters"), peak(plain, rank, "parameters"), 64.0);
    // and no exchange buffers eat the saving: the collectives work in place
    EXPECT_LT(peak(zero, rank, "total"), peak(plain, rank, "total") - 0.4 * peak(plain, rank, "optimizer"));
  }
}

// The bench record shows the tensor-parallel collectives as communication.
TEST(Memory, TensorParallelHalvesTheParametersAndShowsItsCollectives) {
  const auto seq = bench_record(1, "");
  const auto tp = bench_record(2, "--tp 2");
  const double full = peak(seq, 0, "parameters");
  for (int rank = 0; rank < 2; ++rank) {
    // Everything but the replicated LayerNorms, row-parallel biases and pos_emb is halved.
    EXPECT_LT(peak(tp, rank, "parameters"), 0.56 * full) << "rank " << rank;
    EXPECT_GT(peak(tp, rank, "parameters"), 0.5 * full) << "rank " << rank;
    EXPECT_GT(tp["ranks"][rank]["seconds"]["allreduce"].get<double>(), 0.0);
  }
}

// Issue 14: "SIGINT to mpirun exits 1 silently". mpirun passes it on as
// SIGTERM; rank 0 says so in one line and the job ends non-zero.
TEST(Failure, SigintToMpirunSaysWhyTheJobStopped) {
  const auto result = run_command(
      "{ " + std::string(PARATRAIN_MPIEXEC) + " --allow-run-as-root --oversubscribe -q -np 2 " + PARATRAIN_BINARY +
      " train " + kConfig + " --dp 2 --steps 1000000 > /dev/null & pid=$!; sleep 4; kill -INT $pid; wait $pid; "
      "echo rc=$?; }");
  EXPECT_NE(result.output.find("paratrain: stopped by SIG"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("rc=0"), std::string::npos) << result.output;
}

}  // namespace paratrain
