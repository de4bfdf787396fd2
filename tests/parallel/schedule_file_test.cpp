// --schedule-file under mpirun: a file holding the generated 1F1B trains
// exactly like --schedule 1f1b, and a bad file is refused in one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../temp_path.h"
#include "equivalence.h"
#include "io/safetensors.h"
#include "parallel/schedule.h"

namespace paratrain {

using testing::CommandResult;
using testing::run_command;

namespace {

// As in distributed_test: four blocks, B = 8; --micro-batch 1 gives m = 8.
const std::string kConfig = testing::kTinyModel + " --pp 2 --micro-batch 1";
const PipelineShape kShape{2, 8, 1};

using testing::mpirun;
using testing::temp_path;

std::string write_schedule(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

// train's "step N | loss X" lines, in order, as printed.
std::vector<std::string> loss_lines(const std::string& output) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < output.size()) {
    size_t end = output.find('\n', begin);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(begin, end - begin);
    if (line.rfind("step ", 0) == 0) lines.push_back(line.substr(0, line.find(" | time")));
    begin = end + 1;
  }
  return lines;
}

struct Trained {
  std::vector<std::string> losses;
  std::string params_path;
};

Trained train(const std::string& name, const std::string& schedule_flags) {
  Trained run{{}, temp_path(name + ".safetensors")};
  const auto result = mpirun(
      2, "train " + kConfig + " " + schedule_flags + " --steps 4 --save-params " + run.params_path);
  EXPECT_EQ(result.exit_code, 0) << name << "\n" << result.output;
  run.losses = loss_lines(result.output);
  EXPECT_EQ(run.losses.size(), 4u) << result.output;
  return run;
}

// Every tensor equal bit for bit.
void expect_same_parameters(const std::string& expected_path, const std::string& actual_path) {
  const SafetensorsFile expected = SafetensorsFile::read(expected_path);
  const SafetensorsFile actual = SafetensorsFile::read(actual_path);
  ASSERT_EQ(expected.names(), actual.names());
  for (const auto& name : expected.names()) {
    const auto shape = expected.record(name).shape;
    const auto want = expected.f32(name, shape);
    const auto got = actual.f32(name, shape);
    ASSERT_EQ(want.size(), got.size()) << name;
    EXPECT_EQ(std::memcmp(want.data(), got.data(), sizeof(float) * want.size()), 0) << name;
  }
}

}  // namespace

TEST(ScheduleFile, GeneratedOneFOneBTrainsBitForBitLikeTheFlag) {
  const auto compute = generate_schedule(ScheduleKind::kOneFOneB, kShape);
  const Trained by_flag = train("flag", "--schedule 1f1b");
  const Trained by_compute_file =
      train("compute", "--schedule-file " + write_schedule("1f1b.txt", schedules_text(compute)));
  const Trained by_lowered_file =
      train("lowered",
            "--schedule-file " + write_schedule("1f1b_lowered.txt",
                                                schedules_text(lower_schedule(compute, kShape))));
  EXPECT_EQ(by_compute_file.losses, by_flag.losses);
  EXPECT_EQ(by_lowered_file.losses, by_flag.losses);
  expect_same_parameters(by_flag.params_path, by_compute_file.params_path);
  expect_same_parameters(by_flag.params_path, by_lowered_file.params_path);
}

TEST(ScheduleFile, BadFileExitsTwoWithOneLine) {
  const auto compute = generate_schedule(ScheduleKind::kOneFOneB, kShape);
  auto missing_action = compute;
  missing_action[1].pop_back();
  const std::string malformed =
      write_schedule("malformed.txt", "0F0 1F0 0B0 zz\n" + schedule_text(compute[1]) + "\n");
  const std::string wrong_count = write_schedule(
      "wrong_count.txt", schedules_text(generate_schedule(ScheduleKind::kOneFOneB, {2, 4, 1})));
  const std::string missing = write_schedule("missing.txt", schedules_text(missing_action));
  const std::string nonexistent = temp_path("does_not_exist.txt");
  struct Case {
    std::string command, message;
  };
  const std::vector<Case> cases = {
      {"train " + kConfig + " --steps 1 --schedule-file " + malformed,
       "rank 0 position 3: 'zz' is not an action"},
      {"bench " + kConfig + " --steps 1 --schedule-file " + wrong_count,
       "the file schedules micro-batches 0..3, but the layout has 8"},
      {"train " + kConfig + " --steps 1 --schedule-file " + missing, "rank 1 never runs 7B0"},
      {"verify --reference " PARATRAIN_REFERENCE_DIR "/small.safetensors --pp 2 --micro-batch 1 "
       "--schedule-file " +
           nonexistent,
       nonexistent + ": cannot open the file"}};
  for (const Case& c : cases) {
    const auto result = mpirun(2, c.command);
    EXPECT_EQ(result.exit_code, 2) << c.command << "\n" << result.output;
    EXPECT_NE(result.output.find("--schedule-file "), std::string::npos) << result.output;
    EXPECT_NE(result.output.find(c.message), std::string::npos) << c.command << "\n"
                                                                << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1)
        << "one line expected for " << c.command << ":\n"
        << result.output;
  }
}

}  // namespace paratrain
