// Without --partition, train and bench balance the pipeline over the units'
// measured times (parallel/partition_profile.h), say so in one line, and the
// record holds the partition they ran.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <numeric>
#include <string>

#include "equivalence.h"
#include "parallel/partition.h"
#include "parallel/partition_profile.h"

namespace paratrain {
namespace {

using testing::mpirun;

nlohmann::json bench_record(const std::string& flags, std::string* output) {
  const auto result =
      testing::mpirun_split(2, "bench " + testing::kTinyModel +
                                   " --pp 2 --micro-batch 2 --warmup 0 --steps 1 --peak-gflops 1 " + flags);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  *output = result.output;
  const std::string line = testing::last_json_line(result.stdout_text);
  if (line.empty()) {
    ADD_FAILURE() << "no record in\n" << result.output;
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(line);
}

}  // namespace

TEST(MeasuredPartition, UnitCostsArePositive) {
  ModelConfig model = cpu_small_config();
  model.n_layers = 2;
  const PartitionCosts costs = measure_partition_costs(model, 2);
  for (double seconds : {costs.embed, costs.attention, costs.mlp, costs.head}) {
    EXPECT_GT(seconds, 0.0);
    EXPECT_LT(seconds, 10.0);
  }
  // The MLP half's GEMMs are twice the attention half's projections at F = 4
  // (8 D^2 against 4 D^2 per token); the embedding does no GEMM at all.
  EXPECT_LT(costs.embed, costs.mlp);
}

TEST(MeasuredPartition, BenchSaysAndRecordsThePartitionItMeasured) {
  std::string output;
  const nlohmann::json record = bench_record("", &output);
  const auto units = record["layout"]["partition_units"].get<std::vector<int>>();
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(std::accumulate(units.begin(), units.end(), 0), 2 * 4 + 2);
  const std::string line =
      "paratrain: partition " + partition_text(units) + ", balanced over measured ms";
  EXPECT_NE(output.find(line), std::string::npos) << output;
}

TEST(MeasuredPartition, ModelledAndGivenPartitionsAreNotMeasured) {
  std::string output;
  nlohmann::json record = bench_record("--partition modelled", &output);
  EXPECT_EQ(record["layout"]["partition_units"],
            nlohmann::json::parse("[5, 5]"));  // 2 + 2 blocks at FLOPs
  EXPECT_EQ(output.find("balanced over measured"), std::string::npos) << output;
  record = bench_record("--partition 1.5,2.5", &output);
  EXPECT_EQ(record["layout"]["partition_units"], nlohmann::json::parse("[4, 6]"));
  EXPECT_EQ(output.find("balanced over measured"), std::string::npos) << output;
}

}  // namespace paratrain
