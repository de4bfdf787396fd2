// Issue 12: `paratrain plan` and `calibrate` from the outside, the planner's
// prediction in every bench record (memory equal to the tracked peak on
// every rank of the equivalence tests' layouts), and the refusal naming a layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "../cli/run_command.h"
#include "../temp_path.h"
#include "../tiny_model.h"

namespace paratrain {

namespace {

const std::string kClusters = std::string(PARATRAIN_SOURCE_DIR) + "/clusters/";
const std::string kTinyPlan =
    "plan --vocab-size 64 --seq-len 16 --d-model 32 --n-heads 4 --n-layers 4 --ffn-mult 4 --batch-size 8";

void expect_one_line_usage_error(const std::string& arguments, const std::string& says) {
  const auto result = testing::run_paratrain(arguments);
  EXPECT_EQ(result.exit_code, 2) << arguments << "\n" << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << arguments << "\n" << result.output;
  EXPECT_NE(result.output.find(says), std::string::npos) << arguments << "\n" << result.output;
}

// The last line that is a JSON object or array (stdout and stderr arrive
// together, and under mpirun a line of stderr may come after the record).
nlohmann::json last_json_line(const std::string& output) {
  std::istringstream lines(output);
  std::string found;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && (line.front() == '{' || line.front() == '[')) found = line;
  }
  if (found.empty()) throw std::runtime_error("no JSON line in:\n" + output);
  return nlohmann::json::parse(found);
}

}  // namespace

TEST(PlanCommand, BadInputGetsOneLineAndExitTwo) {
  const std::string a100 = " --cluster " + kClusters + "dgx-a100-80gb.json";
  expect_one_line_usage_error(kTinyPlan + " --ranks 0" + a100, "--ranks must be at least 1");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --top 0" + a100, "--top must be at least 1");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --precision fp16" + a100, "--precision must be fp32 or bf16");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --cluster /nonexistent.json", "--cluster: cannot read");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --memory-per-device lots" + a100, "--memory-per-device must be");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --explain dp3" + a100, "must be divisible by --dp (3)");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --explain dp4" + a100, "needs 4 ranks");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --explain zigzag" + a100, "zigzag");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --explain dp2/mbx" + a100, "/mbN");
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --explain dp2/mb3" + a100, "--micro-batch (3)");
  expect_one_line_usage_error(kTinyPlan + " --ranks 16" + a100, "devices");
  expect_one_line_usage_error(kTinyPlan + " --ranks 11 --nodes 2" + a100, "no layout of this model fits 11 ranks");
  const std::string bad = testing::temp_path("bad-cluster.json");
  std::ofstream(bad) << R"({"devices_per_node": 8, "nodes": 1})";
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --cluster " + bad, "device");
}

TEST(PlanCommand, RanksEveryLayoutBestFirstAndMarksWhatDoesNotFit) {
  const auto result = testing::run_paratrain(kTinyPlan + " --ranks 4 --json --memory-per-device 1MiB --cluster " +
                                             kClusters + "dgx-a100-80gb.json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json planned = last_json_line(result.output);
  ASSERT_GT(planned.size(), 20u);
  bool seen_misfit = false;
  for (size_t idx = 0; idx < planned.size(); ++idx) {
    const bool fits = planned[idx]["fits"].get<bool>();
    if (!fits) seen_misfit = true;
    EXPECT_FALSE(fits && seen_misfit) << "a fitting layout after one that does not fit";
    EXPECT_EQ(fits, planned[idx]["peak_bytes"].get<double>() <= 1024.0 * 1024) << planned[idx]["layout"];
    if (idx > 0 && planned[idx - 1]["fits"] == planned[idx]["fits"]) {
      EXPECT_GE(planned[idx - 1]["tokens_per_s"].get<double>(), planned[idx]["tokens_per_s"].get<double>());
    }
  }
  const auto table = testing::run_paratrain(kTinyPlan + " --ranks 2 --top 3 --cluster " + kClusters + "dgx-h100.json");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("   1  "), std::string::npos) << table.output;
  EXPECT_EQ(table.output.find("   4  "), std::string::npos) << table.output;
}

// Recompute is one of the planner's choices: every layout appears under each
// mode it accepts, a recompute costs time and saves activation memory, and
// --explain takes the suffix the table prints.
TEST(PlanCommand, PlansEachLayoutUnderEachRecomputeMode) {
  const auto result = testing::run_paratrain(kTinyPlan + " --ranks 2 --json --cluster " + kClusters +
                                             "dgx-a100-80gb.json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::map<std::string, nlohmann::json> by_label;
  for (const auto& entry : last_json_line(result.output)) by_label[entry["layout"].get<std::string>()] = entry;
  for (const std::string layout : {"dp2/mb4", "pp2-1f1b/mb2", "tp2/mb4"}) {
    ASSERT_TRUE(by_label.count(layout)) << layout;
    const nlohmann::json& none = by_label[layout];
    EXPECT_EQ(none["recompute"], "none");
    double previous_speed = none["tokens_per_s"].get<double>();
    double previous_bytes = none["peak_bytes"].get<double>();
    for (const std::string mode : {"selective", "full"}) {
      const std::string label = layout + "+recompute-" + mode;
      ASSERT_TRUE(by_label.count(label)) << label;
      const nlohmann::json& entry = by_label[label];
      EXPECT_EQ(entry["recompute"], mode);
      EXPECT_LT(entry["tokens_per_s"].get<double>(), previous_speed) << label;
      EXPECT_LT(entry["peak_bytes"].get<double>(), previous_bytes) << label;
      previous_speed = entry["tokens_per_s"].get<double>();
      previous_bytes = entry["peak_bytes"].get<double>();
    }
  }
  // A zero-bubble schedule keeps its backward split, so it has no recompute.
  EXPECT_TRUE(by_label.count("pp2-zb-h1/mb2"));
  EXPECT_FALSE(by_label.count("pp2-zb-h1/mb2+recompute-full"));

  const std::string trace = testing::temp_path("plan-recompute-trace.json");
  const auto explained = testing::run_paratrain(kTinyPlan + " --ranks 2 --explain pp2-1f1b/mb2+recompute-full --trace " +
                                                trace + " --json --cluster " + kClusters + "dgx-a100-80gb.json");
  ASSERT_EQ(explained.exit_code, 0) << explained.output;
  const size_t json_end = explained.output.find('\n');
  const nlohmann::json one = nlohmann::json::parse(explained.output.substr(0, json_end));
  EXPECT_EQ(one["layout"], "pp2-1f1b/mb2+recompute-full");
  EXPECT_DOUBLE_EQ(one["step_s"].get<double>(), by_label["pp2-1f1b/mb2+recompute-full"]["step_s"].get<double>());
  expect_one_line_usage_error(kTinyPlan + " --ranks 2 --explain dp2/mb4+recompute-half --cluster " + kClusters +
                                  "dgx-a100-80gb.json",
                              "recompute");
}

TEST(PlanCommand, ExplainWritesThePredictedStepAsAChromeTrace) {
  const std::string trace = testing::temp_path("plan-trace.json");
  const auto result = testing::run_paratrain(kTinyPlan + " --ranks 2 --explain pp2-1f1b/mb2 --trace " + trace +
                                             " --cluster " + kClusters + "dgx-a100-80gb.json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::ifstream in(trace);
  const nlohmann::json json = nlohmann::json::parse(in);
  int forwards = 0, backwards = 0;
  for (const auto& event : json["traceEvents"]) {
    if (event.value("cat", "") == "forward") ++forwards;
    if (event.value("cat", "") == "backward") ++backwards;
  }
  // Two stages x four micro-batches of each.
  EXPECT_EQ(backwards, 8) << json.dump().substr(0, 2000);
  EXPECT_EQ(forwards, 8);
}

TEST(BenchRecord, CarriesThePredictionAndItsMemoryEqualsTheTrackedPeakOnEveryRank) {
  struct Case {
    int ranks;
    std::string layout;
  };
  const std::vector<Case> cases = {{1, ""},
                                   {2, "--dp 2"},
                                   {2, "--pp 2 --micro-batch 2 --schedule gpipe"},
                                   {2, "--pp 2 --micro-batch 1 --schedule 1f1b"},
                                   {2, "--pp 2 --micro-batch 2 --schedule interleaved --virtual-stages 2"},
                                   {2, "--tp 2"},
                                   {2, "--tp 2 --sequence-parallel"},
                                   {2, "--dp 2 --zero 1"},
                                   {4, "--dp 2 --pp 2 --micro-batch 2"},
                                   {4, "--tp 2 --pp 2 --micro-batch 2"},
                                   {8, "--dp 2 --pp 2 --tp 2 --micro-batch 2 --schedule interleaved "
                                       "--virtual-stages 2 --sequence-parallel --zero 1"}};
  for (const Case& run : cases) {
    std::string command = std::string(PARATRAIN_BINARY) + " bench " + testing::kTinyModel + " " + run.layout +
                          " --warmup 0 --steps 1 --cluster " + kClusters + "dgx-a100-80gb.json";
    if (run.ranks > 1) {
      command = std::string(PARATRAIN_MPIEXEC) + " --allow-run-as-root --oversubscribe -q -np " +
                std::to_string(run.ranks) + " " + command;
    }
    const auto result = testing::run_command_split(command);
    ASSERT_EQ(result.exit_code, 0) << run.layout << "\n" << result.output;
    const nlohmann::json record = last_json_line(result.stdout_text);
    const nlohmann::json& predicted = record.at("predicted");
    EXPECT_GT(predicted.at("tokens_per_s").get<double>(), 0) << run.layout;
    EXPECT_GT(predicted.at("step_s").get<double>(), 0) << run.layout;
    ASSERT_EQ(predicted.at("peak_bytes").size(), static_cast<size_t>(run.ranks)) << run.layout;
    // Each pipeline stage's predicted busy time and bubble, from the run's own schedule.
    const size_t stages = record.at("layout").at("pp").get<size_t>();
    ASSERT_EQ(predicted.at("stage_busy_s").size(), stages) << run.layout;
    ASSERT_EQ(predicted.at("stage_bubble").size(), stages) << run.layout;
    for (size_t stage = 0; stage < stages; ++stage) {
      EXPECT_GT(predicted["stage_busy_s"][stage].get<double>(), 0) << run.layout;
      EXPECT_LT(predicted["stage_busy_s"][stage].get<double>(), predicted["step_s"].get<double>()) << run.layout;
      EXPECT_GE(predicted["stage_bubble"][stage].get<double>(), 0) << run.layout;
    }
    for (const auto& rank : record.at("ranks")) {
      const int index = rank.at("rank").get<int>();
      EXPECT_EQ(predicted["peak_bytes"][index].get<int64_t>(), rank.at("peak_bytes").at("total").get<int64_t>())
          << run.layout << " rank " << index;
    }
  }
}

TEST(MemoryRefusal, SeqLen40000OnOneRankEndsAtOnceWithOneLine) {
  const auto begin = std::chrono::steady_clock::now();
  // cpu-small at T = 40000: even one sample per micro-batch holds ~200 GiB
  // of attention probabilities. Whether selective recompute (no saved
  // probabilities, 3 (T, T) planes of scratch: ~19 GB) fits depends on the
  // machine's memory, so the line names either that layout or none.
  const auto result = testing::run_paratrain(
      "train --vocab-size 1000 --seq-len 40000 --d-model 256 --n-heads 8 --n-layers 4 --batch-size 16");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_LT(seconds, 2.0) << "the issue asks for under a second; 2 s leaves room for a loaded machine";
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  EXPECT_NE(result.output.find("the run needs"), std::string::npos) << result.output;
  const bool none_fits = result.output.find("no layout of this model on 1 ranks fits") != std::string::npos;
  const bool recompute_fits = result.output.find("the best layout that fits on 1 ranks is seq/mb1+recompute-selective") !=
                              std::string::npos;
  EXPECT_TRUE(none_fits || recompute_fits) << result.output;
}

TEST(MemoryRefusal, NamesTheBestLayoutThatFits) {
  // The whole batch of 4096 in one micro-batch at T = 4096 needs ~1 TiB of
  // attention probabilities; one sample per micro-batch needs ~0.3 GiB.
  const auto result = testing::run_paratrain(
      "bench --seq-len 4096 --d-model 16 --n-heads 4 --n-layers 1 --batch-size 4096 --vocab-size 64");
  ASSERT_EQ(result.exit_code, 2) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  EXPECT_NE(result.output.find("the best layout that fits on 1 ranks is seq/mb"), std::string::npos)
      << result.output;
}

TEST(CalibrateCommand, WritesADescriptionThePlannerReads) {
  const std::string out = testing::temp_path("machine.json");
  const auto result = testing::run_command(std::string(PARATRAIN_MPIEXEC) +
                                           " --allow-run-as-root --oversubscribe -q -np 2 " + PARATRAIN_BINARY +
                                           " calibrate --quick --out " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::ifstream in(out);
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_EQ(json["messages"].size(), 8u);
  EXPECT_GT(json["intra_node"]["bandwidth_bytes_per_s"].get<double>(), 0);
  // What the planner prices this machine with beyond the link: the measured
  // overlap, each collective's two-rank times (intra-node only) and attention
  // and bf16 conversion rates per precision.
  const double overlap = json["collective_overlap"].get<double>();
  EXPECT_TRUE(overlap >= 0 && overlap <= 1) << overlap;
  for (const char* collective : {"all_reduce", "all_gather", "reduce_scatter"}) {
    EXPECT_EQ(json["intra_node"]["measured_two_rank_bytes_s"][collective].size(), 8u) << collective;
    EXPECT_GT(json["messages"][0][std::string(collective) + "_s"].get<double>(), 0) << collective;
  }
  EXPECT_FALSE(json["inter_node"].contains("measured_two_rank_bytes_s"));
  for (const char* precision : {"fp32", "bf16"}) {
    EXPECT_FALSE(json["device"]["measured"]["attention_seq_len_flops_per_s"][precision].empty()) << precision;
  }
  EXPECT_GT(json["device"]["measured"]["vector_bytes_per_s"]["bf16_convert"].get<double>(), 0);
  const auto plan = testing::run_paratrain(kTinyPlan + " --ranks 2 --cluster " + out);
  EXPECT_EQ(plan.exit_code, 0) << plan.output;
}

}  // namespace paratrain
