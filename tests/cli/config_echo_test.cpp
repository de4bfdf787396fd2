// Numbers print as a person writes them: dropout 0.1 in the config echo of
// train's banner and of bench's record, not the float's 0.10000000149011612.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/config.h"
#include "run_command.h"

namespace paratrain {

TEST(ConfigEcho, ToJsonWritesTheShortestRoundTrip) {
  ModelConfig config;
  config.dropout = 0.1f;
  EXPECT_NE(config.to_json().find("\"dropout\":0.1,"), std::string::npos) << config.to_json();
  config.dropout = 0.3f;
  EXPECT_NE(config.to_json().find("\"dropout\":0.3,"), std::string::npos) << config.to_json();
  // Read back, it is the same float.
  EXPECT_EQ(ModelConfig::from_json(nlohmann::json::parse(config.to_json())).dropout, 0.3f);
  EXPECT_EQ(shortest_round_trip(0.0f), 0.0);
  EXPECT_EQ(static_cast<float>(shortest_round_trip(1e-7f)), 1e-7f);
}

TEST(ConfigEcho, TrainBannerAndBenchRecordPrintDropoutAsGiven) {
  const std::string tiny =
      " --vocab-size 64 --seq-len 16 --d-model 32 --n-heads 4 --n-layers 2 --batch-size 4 --dropout 0.1";
  const auto train = testing::run_paratrain("train" + tiny + " --steps 1");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(train.output.find("\"dropout\":0.1,"), std::string::npos) << train.output;
  EXPECT_EQ(train.output.find("0.1000000"), std::string::npos) << train.output;
  const auto bench = testing::run_paratrain("bench" + tiny + " --warmup 1 --steps 1 --peak-gflops 50");
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  const std::string record = testing::last_json_line(bench.output);
  EXPECT_NE(record.find("\"dropout\":0.1,"), std::string::npos) << record;
  EXPECT_EQ(record.find("0.1000000"), std::string::npos) << record;
}

}  // namespace paratrain
