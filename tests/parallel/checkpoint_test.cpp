// Issue 14: checkpoint and resume. A run stopped and resumed equals the run
// that never stopped (bit for bit under the same layout, to the equivalence
// tolerance across layouts); a crash while writing a checkpoint leaves the
// previous one usable; a damaged checkpoint is refused, naming the file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../temp_path.h"
#include "equivalence.h"
#include "io/safetensors.h"

namespace paratrain {

using testing::CommandResult;
using testing::run_command;

namespace {

const std::string& kConfig = testing::kTinyModel;
constexpr int kSteps = 6;

struct LayoutRun {
  int ranks;
  std::string flags;
};
const LayoutRun kSeq{1, ""};
const LayoutRun kDp2{2, "--dp 2"};
const LayoutRun kPp2{2, "--pp 2 --schedule 1f1b"};
const LayoutRun kTp2{2, "--tp 2"};
const LayoutRun kDp2Tp2{4, "--dp 2 --tp 2"};

CommandResult train(const LayoutRun& layout, const std::string& arguments) {
  std::string command = std::string(PARATRAIN_BINARY) + " train " + kConfig + " " + layout.flags + " " + arguments;
  if (layout.ranks > 1) {
    command = std::string(PARATRAIN_MPIEXEC) + " --allow-run-as-root --oversubscribe -q -np " +
              std::to_string(layout.ranks) + " " + command;
  }
  return run_command(command);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string step_folder(const std::string& dir, int step) {
  char name[32];
  std::snprintf(name, sizeof(name), "/step-%06d", step);
  return dir + name;
}

struct Trained {
  std::vector<double> losses;
  std::string final_folder;
};

// kSteps straight, checkpointed only at the end.
Trained straight(const LayoutRun& layout, const std::string& name) {
  const std::string dir = testing::temp_path(name + "_straight");
  const CommandResult result = train(layout, "--steps " + std::to_string(kSteps) + " --checkpoint " + dir);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return {testing::losses_of(result.output), step_folder(dir, kSteps)};
}

// Half the steps under `first`, a checkpoint, the rest under `second`.
Trained stopped_and_resumed(const LayoutRun& first, const LayoutRun& second, const std::string& name) {
  const std::string dir = testing::temp_path(name + "_resumed");
  const CommandResult before = train(first, "--steps " + std::to_string(kSteps / 2) + " --checkpoint " + dir);
  EXPECT_EQ(before.exit_code, 0) << before.output;
  const CommandResult after =
      train(second, "--steps " + std::to_string(kSteps) + " --resume " + dir + " --checkpoint " + dir);
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_NE(after.output.find("resumed from " + step_folder(dir, kSteps / 2) + " at step 3"), std::string::npos)
      << after.output;
  Trained run{testing::losses_of(before.output), step_folder(dir, kSteps)};
  for (double loss : testing::losses_of(after.output)) run.losses.push_back(loss);
  return run;
}

void expect_bit_identical(const LayoutRun& layout, const std::string& name) {
  const Trained whole = straight(layout, name);
  const Trained resumed = stopped_and_resumed(layout, layout, name);
  ASSERT_EQ(whole.losses.size(), size_t(kSteps));
  EXPECT_EQ(resumed.losses, whole.losses);
  for (const char* file : {"/model.safetensors", "/optimizer.safetensors"}) {
    const std::string want = read_bytes(whole.final_folder + file);
    EXPECT_GT(want.size(), 100000u) << file;
    EXPECT_TRUE(want == read_bytes(resumed.final_folder + file)) << name << ": " << file << " differs";
  }
}

// Equal to the straight run to the equivalence tests' tolerance
// (testing::expect_equivalent_training says why it holds).
void expect_equivalent(const Trained& run, const Trained& reference, const std::string& name) {
  testing::expect_equivalent_training({run.losses, run.final_folder + "/model.safetensors"},
                                      {reference.losses, reference.final_folder + "/model.safetensors"}, name);
}

const Trained& sequential() {
  static const Trained run = straight(kSeq, "sequential_reference");
  return run;
}

}  // namespace

TEST(Resume, BitIdenticalSequential) { expect_bit_identical(kSeq, "seq"); }
TEST(Resume, BitIdenticalDataParallel) { expect_bit_identical(kDp2, "dp2"); }
TEST(Resume, BitIdenticalPipeline1F1B) { expect_bit_identical(kPp2, "pp2"); }
TEST(Resume, BitIdenticalTensorParallel) { expect_bit_identical(kTp2, "tp2"); }

TEST(Resume, FromDp2Tp2ToPipeline) {
  expect_equivalent(stopped_and_resumed(kDp2Tp2, kPp2, "dp2tp2_to_pp2"), sequential(), "dp2xtp2 -> pp2");
}

TEST(Resume, FromPipelineToDp2Tp2) {
  expect_equivalent(stopped_and_resumed(kPp2, kDp2Tp2, "pp2_to_dp2tp2"), sequential(), "pp2 -> dp2xtp2");
}

TEST(Resume, KillDuringCheckpointWriteLeavesThePreviousOne) {
  const std::string dir = testing::temp_path("killed");
  // Checkpoints at steps 2 and 4; SIGKILL halfway through writing step 4's.
  const CommandResult killed = run_command("PARATRAIN_TEST_DIE_IN_CHECKPOINT=4 " + std::string(PARATRAIN_BINARY) +
                                           " train " + kConfig + " --steps 6 --checkpoint-every 2 --checkpoint " + dir);
  EXPECT_EQ(killed.exit_code, 128 + 9) << killed.output;
  EXPECT_TRUE(std::filesystem::is_directory(step_folder(dir, 4) + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(step_folder(dir, 4)));
  const CommandResult resumed = train(kSeq, "--steps 6 --resume " + dir + " --checkpoint " + dir);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("warning: skipping " + step_folder(dir, 4) + ".tmp"), std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from " + step_folder(dir, 2) + " at step 2"), std::string::npos);
  for (const char* file : {"/model.safetensors", "/optimizer.safetensors"}) {
    EXPECT_TRUE(read_bytes(sequential().final_folder + file) == read_bytes(step_folder(dir, 6) + file)) << file;
  }
  EXPECT_FALSE(std::filesystem::exists(step_folder(dir, 4) + ".tmp"));  // pruned by the next write
}

TEST(Resume, CorruptedCheckpointIsRefusedNamingTheFile) {
  const std::string dir = testing::temp_path("corrupted");
  ASSERT_EQ(train(kSeq, "--steps 4 --checkpoint-every 2 --checkpoint " + dir).exit_code, 0);
  const std::string newest = step_folder(dir, 4);
  {  // a flipped byte in the middle of the parameters
    std::fstream file(newest + "/model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(100000);
    const char byte = static_cast<char>(file.get());
    file.seekp(100000);
    file.put(static_cast<char>(byte ^ 0x10));
  }
  const CommandResult named = train(kSeq, "--steps 6 --resume " + newest);
  EXPECT_EQ(named.exit_code, 2) << named.output;
  EXPECT_NE(named.output.find(newest + "/model.safetensors fails its FNV-1a 64 checksum"), std::string::npos)
      << named.output;
  // In the parent folder, the older whole checkpoint is used, with a warning.
  const CommandResult fallback = train(kSeq, "--steps 5 --resume " + dir);
  EXPECT_EQ(fallback.exit_code, 0) << fallback.output;
  EXPECT_NE(fallback.output.find("warning: --resume: checkpoint file " + newest + "/model.safetensors"),
            std::string::npos) << fallback.output;
  EXPECT_NE(fallback.output.find("resumed from " + step_folder(dir, 2)), std::string::npos) << fallback.output;
  // A truncated file, in the only remaining checkpoint.
  const std::string older = step_folder(dir, 2) + "/optimizer.safetensors";
  std::filesystem::resize_file(older, std::filesystem::file_size(older) - 7);
  const CommandResult truncated = train(kSeq, "--steps 6 --resume " + dir);
  EXPECT_EQ(truncated.exit_code, 2) << truncated.output;
  EXPECT_NE(truncated.output.find("error: --resume: checkpoint file " + newest + "/model.safetensors"),
            std::string::npos) << truncated.output;  // the newest's failure is the one reported
  const CommandResult truncated_named = train(kSeq, "--steps 6 --resume " + step_folder(dir, 2));
  EXPECT_EQ(truncated_named.exit_code, 2);
  EXPECT_NE(truncated_named.output.find(older + " has "), std::string::npos) << truncated_named.output;
  EXPECT_NE(truncated_named.output.find("(truncated?)"), std::string::npos);
}

TEST(Resume, MismatchedModelFlagIsRefusedNamingIt) {
  const std::string dir = testing::temp_path("mismatch");
  ASSERT_EQ(train(kSeq, "--steps 1 --checkpoint " + dir).exit_code, 0);
  const CommandResult result = train(kSeq, "--steps 2 --resume " + dir + " --d-model 64");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("checkpoint's --d-model is 32 but this run's is 64"), std::string::npos) << result.output;
  const CommandResult seed = train(kSeq, "--steps 2 --resume " + dir + " --seed 12");
  EXPECT_EQ(seed.exit_code, 2);
  EXPECT_NE(seed.output.find("--seed"), std::string::npos) << seed.output;
}

TEST(Resume, KeepsTheNewestK) {
  const std::string dir = testing::temp_path("keep");
  ASSERT_EQ(train(kSeq, "--steps 5 --checkpoint-every 1 --keep 2 --checkpoint " + dir).exit_code, 0);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"step-000004", "step-000005"}));
}

}  // namespace paratrain
