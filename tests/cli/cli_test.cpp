// Bad input gets one line naming what is wrong and exit code 2.
#include <gtest/gtest.h>
#include "../temp_path.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"

namespace paratrain {

using testing::run_paratrain;

namespace {

const char* kTiny = "--vocab-size 64 --seq-len 16 --d-model 32 --n-heads 4 --n-layers 2 --batch-size 4";

void expect_refused(const std::string& arguments, const std::string& message) {
  const auto result = run_paratrain(arguments);
  EXPECT_EQ(result.exit_code, 2) << arguments << "\n" << result.output;
  EXPECT_NE(result.output.find(message), std::string::npos)
      << arguments << " should say '" << message << "', said: " << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1)
      << "one line expected: " << result.output;
}

}  // namespace

TEST(Cli, InvalidConfigurationsAreRefused) {
  expect_refused("train --d-model 30 --n-heads 8", "--d-model (30) must be divisible by --n-heads (8)");
  expect_refused("train --dropout 1.0", "--dropout must be in [0, 1)");
  expect_refused("train --batch-size 0", "--batch-size must be positive");
  expect_refused("train --seq-len -4", "--seq-len must be positive");
  expect_refused("train --vocab-size 0", "--vocab-size must be positive");
  expect_refused("train --n-layers 0", "--n-layers must be positive");
  expect_refused("train --threads 0", "--threads must be at least 1");
  expect_refused(std::string("train ") + kTiny + " --micro-batch 3", "--micro-batch (3) must divide");
  expect_refused(std::string("bench ") + kTiny + " --steps 0", "--steps must be at least 1");
}

TEST(Cli, UnknownFlagsAndValuesAreRefused) {
  expect_refused("train --no-such-flag 3", "--no-such-flag");
  expect_refused("train --seq-len abc", "--seq-len");
  expect_refused("frobnicate", "frobnicate");
}

TEST(Cli, BadDataFilesAreRefused) {
  expect_refused("train --vocab-size 256 --data /nonexistent/corpus.txt", "--data: cannot open");
  const std::string empty = testing::temp_path("paratrain_cli_empty.txt");
  std::ofstream(empty).close();
  expect_refused("train --vocab-size 256 --data " + empty, "is empty");
  const std::string small = testing::temp_path("paratrain_cli_small.txt");
  std::ofstream(small) << "only a few bytes";
  expect_refused("train --vocab-size 256 --seq-len 64 --data " + small,
                 "--seq-len (64) must be less than the size of");
  expect_refused("train --vocab-size 100 --data " + small, "--vocab-size >= 256");
}

TEST(Cli, HelpExitsZero) {
  const auto result = run_paratrain("train --help");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.output.find("--micro-batch"), std::string::npos);
}

TEST(Cli, BenchPrintsOneRecord) {
  const auto result = run_paratrain(std::string("bench ") + kTiny + " --warmup 1 --steps 2 --peak-gflops 50");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto record = nlohmann::json::parse(testing::last_json_line(result.output));
  EXPECT_EQ(record["config"]["d_model"], 32);
  EXPECT_EQ(record["steps"]["measured"], 2);
  EXPECT_GT(record["tokens_per_s"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(record["tokens_per_s"].get<double>(),
                   4.0 * 16 / record["step_s"]["median"].get<double>());
  EXPECT_DOUBLE_EQ(record["peak_gflops_per_device"].get<double>(), 50);
  const auto& rank = record["ranks"][0];
  EXPECT_GT(rank["utilization"].get<double>(), 0.0);
  EXPECT_LE(rank["utilization"].get<double>(), 1.0);
  EXPECT_GT(rank["peak_bytes"]["activations"].get<double>(), 0);
  EXPECT_GT(rank["peak_bytes"]["parameters"].get<double>(), 0);
  EXPECT_EQ(rank["peak_bytes"]["optimizer"].get<double>(), 2 * rank["peak_bytes"]["parameters"].get<double>());
  for (const char* field : {"blas", "mpi", "compiler", "flags"}) EXPECT_TRUE(record["build"].contains(field));
}

}  // namespace paratrain
