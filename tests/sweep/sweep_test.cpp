// paratrain sweep: the real binary on tiny configurations (each point its own
// job), plus the planner and the strategy catalogue in-process.
#include <gtest/gtest.h>
#include "../temp_path.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../cli/run_command.h"
#include "core/error.h"
#include "sweep/launch.h"
#include "sweep/plan.h"
#include "sweep/strategy.h"

namespace paratrain {

namespace {

namespace fs = std::filesystem;

const char* const kTiny =
    "--vocab-size 64 --seq-len 16 --d-model 32 --n-heads 4 --n-layers 4 --batch-size 8 "
    "--warmup 0 --steps 1 --peak-gflops 100";

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(testing::process_temp_dir()) / ("paratrain_sweep_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<nlohmann::json> records_of(const fs::path& path) {
  std::vector<nlohmann::json> records;
  for (const auto& line : lines_of(path)) records.push_back(nlohmann::json::parse(line));
  return records;
}

std::map<std::string, int> key_counts(const std::vector<nlohmann::json>& records) {
  std::map<std::string, int> counts;
  for (const auto& record : records) ++counts[record["sweep"]["key"].get<std::string>()];
  return counts;
}

testing::CommandResult sweep(const fs::path& out, const std::string& extra, const std::string& env = "") {
  return testing::run_command(env + " " + PARATRAIN_BINARY + " sweep " + kTiny + " --out " +
                              out.string() + " " + extra);
}

}  // namespace

TEST(SweepStrategy, NamesRoundTripAndUnknownOnesAreRefused) {
  for (const char* name : {"seq", "dp2", "pp2-gpipe", "pp2-1f1b", "pp2-interleaved-v2", "dp2xpp2-1f1b",
                           "tp2", "tp2-sp", "dp2-zero1", "dp2xtp2", "tp2xpp2-1f1b", "dp2-zero1xtp2-spxpp2-gpipe"}) {
    EXPECT_EQ(parse_strategy(name).name, name);
  }
  EXPECT_EQ(parse_strategy("dp2xpp2-gpipe").ranks(), 4);
  const Strategy three = parse_strategy("dp2-zero1xtp2-spxpp2-gpipe");
  EXPECT_EQ(three.ranks(), 8);
  EXPECT_EQ(three.grid.tp, 2);
  EXPECT_TRUE(three.sequence_parallel);
  EXPECT_EQ(three.zero, 1);
  for (const char* name : {"bogus", "dp2pp2-1f1b", "pp2", "pp2-interleaved", "pp2-1f1b-v2", "dp1", "",
                           "tp2xdp2", "pp2-1f1bxtp2", "tp2-zero1", "dp2-sp", "tp2x"}) {
    EXPECT_THROW(parse_strategy(name), UsageError) << name;
  }
}

TEST(SweepStrategy, DefaultsFitTheRanksAndTheLayers) {
  std::vector<std::string> names;
  for (const auto& strategy : default_strategies(4, 8, 8)) names.push_back(strategy.name);
  EXPECT_EQ(names, (std::vector<std::string>{"seq", "dp4", "dp4-zero1", "tp4", "tp4-sp", "pp4-gpipe", "pp4-1f1b",
                                             "pp4-interleaved-v2", "dp2xpp2-1f1b", "dp2xtp2",
                                             "tp2xpp2-1f1b"}));
  EXPECT_EQ(default_strategies(2, 3, 4).size(), 7u);  // no interleaving over 3 blocks on 2 ranks
  EXPECT_EQ(default_strategies(2, 4, 3).size(), 6u);  // no tp2 (nor tp2-sp) with 3 heads
  names.clear();
  for (const auto& strategy : default_strategies(8, 8, 8)) names.push_back(strategy.name);
  EXPECT_EQ(names.back(), "dp2xtp2xpp2-1f1b");
  EXPECT_EQ(default_strategies(1, 4).size(), 1u);
}

TEST(SweepPlan, OneFactorPointsWithSkipsAndReusedBase) {
  SweepSpec spec;
  spec.base.vocab_size = 64, spec.base.seq_len = 16, spec.base.d_model = 32;
  spec.base.n_heads = 4, spec.base.n_layers = 4, spec.base.batch_size = 8;
  for (const char* name : {"seq", "dp2", "pp2-gpipe", "pp2-1f1b", "pp2-interleaved-v2"}) {
    spec.strategies.push_back(parse_strategy(name));
  }
  spec.grid = {{SweepField::kNLayers, {2, 4}}, {SweepField::kMicroBatch, {1, 2}}};
  const auto points = plan_sweep(spec);
  // 5 base + 5 x 2 n_layers + 3 pipelines x 2 micro_batch.
  ASSERT_EQ(points.size(), 21u);
  int skipped = 0;
  for (const auto& point : points) skipped += point.skip_reason.empty() ? 0 : 1;
  EXPECT_EQ(skipped, 1);  // pp2-interleaved-v2 at n_layers=2: 4 stages over 2 blocks
  // seq at n_layers=4 is seq's base run: its own point, the same measurement.
  EXPECT_EQ(points[10].strategy.name, "seq");
  EXPECT_EQ(points[10].measurement_key(), points[0].measurement_key());
  EXPECT_NE(points[10].key(), points[0].key());
  spec.grid = {{SweepField::kNHeads, {3}}};
  EXPECT_THROW(plan_sweep(spec), UsageError);  // 32 is not divisible by 3
  spec.grid = {{SweepField::kMicroBatch, {3}}};
  EXPECT_THROW(plan_sweep(spec), UsageError);  // 3 divides no replica batch
}

// A point's bench command line carries the numbers as given: dropout 0.1, not
// the 0.100000001 of the float widened to a double.
TEST(SweepLaunch, BenchArgumentsPrintFloatsShortest) {
  SweepPoint point;
  point.model.dropout = 0.1f;
  point.layout.grid = {1, 1, 1};
  LaunchSettings settings;
  settings.binary = "paratrain";
  const std::vector<std::string> args = bench_arguments(point, settings);
  const auto flag = std::find(args.begin(), args.end(), "--dropout");
  ASSERT_NE(flag, args.end());
  EXPECT_EQ(*(flag + 1), "0.1");
  point.model.dropout = 0.123456789f;  // needs every digit a float has
  const std::vector<std::string> precise = bench_arguments(point, settings);
  EXPECT_EQ(std::strtof(std::find(precise.begin(), precise.end(), "--dropout")[1].c_str(), nullptr), 0.123456789f);
}

TEST(Sweep, CompletesWithEachPointOnceAndATraceEach) {
  const fs::path dir = fresh_dir("complete");
  const auto result = sweep(dir / "results.jsonl", "--strategies seq,pp2-1f1b --grid batch_size=8,16");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto records = records_of(dir / "results.jsonl");
  // Per strategy: base, batch_size=8 (the base again, reused), batch_size=16.
  ASSERT_EQ(records.size(), 6u) << result.output;
  for (const auto& [key, count] : key_counts(records)) EXPECT_EQ(count, 1) << key;
  for (const auto& record : records) {
    EXPECT_EQ(record["status"], "ok") << record.dump();
    EXPECT_GT(record["tokens_per_s"].get<double>(), 0);
    const fs::path trace = dir / record["sweep"]["trace"].get<std::string>();
    EXPECT_TRUE(fs::exists(trace)) << trace;
  }
  EXPECT_EQ(records[1]["sweep"]["strategy"], "pp2-1f1b");
  EXPECT_EQ(records[1]["layout"]["pp"], 2);
}

TEST(Sweep, InterruptedThenRerunHasEachPointExactlyOnce) {
  const fs::path dir = fresh_dir("resume");
  const fs::path out = dir / "results.jsonl";
  const std::string args = "--strategies seq,dp2 --grid seq_len=8,16,32";
  // Test aid (src/sweep/sweep.h): exit abruptly after the first record lands.
  const auto first = sweep(out, args, "PARATRAIN_SWEEP_EXIT_AFTER=1");
  ASSERT_EQ(first.exit_code, 137) << first.output;
  ASSERT_EQ(lines_of(out).size(), 1u);
  {
    std::ofstream cut(out, std::ios::app);  // a crash in the middle of writing a line
    cut << R"({"config":{"vocab_size":64},"sweep":{"key":"half)";
  }
  const auto second = sweep(out, args);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("dropping the unfinished last line"), std::string::npos) << second.output;
  const auto records = records_of(out);
  EXPECT_EQ(records.size(), 8u);  // 2 strategies x (base + 3 seq_len)
  for (const auto& [key, count] : key_counts(records)) EXPECT_EQ(count, 1) << key;
  const auto third = sweep(out, args);  // nothing left to run
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_EQ(lines_of(out).size(), 8u);
}

TEST(Sweep, AFailingPointIsRecordedAndTheSweepGoesOn) {
  const fs::path dir = fresh_dir("failure");
  // Rank 1 exists only in the two-rank job, so only dp2 fails.
  const auto result =
      sweep(dir / "results.jsonl", "--strategies seq,dp2,pp2-gpipe", "PARATRAIN_INJECT_FAULT=1:0:throw");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto records = records_of(dir / "results.jsonl");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["status"], "ok");
  for (int index : {1, 2}) {
    const auto& failed = records[index];
    EXPECT_EQ(failed["status"], "failed") << failed.dump();
    EXPECT_NE(failed["exit_code"].get<int>(), 0);
    EXPECT_NE(failed["error"].get<std::string>().find("injected fault"), std::string::npos) << failed.dump();
    EXPECT_EQ(failed["config"]["d_model"], 32);
    EXPECT_EQ(failed["layout"]["dp"], index == 1 ? 2 : 1);
  }
}

TEST(Sweep, BadArgumentsAreRefusedWithOneLineBeforeAnyRun) {
  const fs::path dir = fresh_dir("refused");
  const fs::path out = dir / "results.jsonl";
  for (const std::string args :
       {"--grid colour=1,2", "--grid batch_size=", "--grid n_heads=3", "--grid dropout=1.5",
        "--strategies seq,bogus", "--ranks 0", "--grid batch_size=8,x"}) {
    const auto result = sweep(out, args);
    EXPECT_EQ(result.exit_code, 2) << args << "\n" << result.output;
    EXPECT_EQ(result.output.rfind("paratrain: error: ", 0), 0u) << args << "\n" << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << args << "\n" << result.output;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
}

TEST(Sweep, CsvHasOneRowPerPointAndSkippedPointsAreRecorded) {
  const fs::path dir = fresh_dir("csv");
  const auto result = sweep(dir / "results.jsonl",
                            "--strategies seq,pp2-gpipe,pp2-interleaved-v2 --grid micro_batch=8 --csv " +
                                (dir / "out.csv").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto rows = lines_of(dir / "out.csv");
  // Header; three bases; micro_batch=8 for the two pipelines.
  ASSERT_EQ(rows.size(), 1u + 5u);
  EXPECT_EQ(rows[0],
            "strategy,varied,value,config,tokens_per_s,tokens_per_s_per_device,mfu,mean_utilization,"
            "max_bubble,max_peak_total_bytes,status");
  EXPECT_EQ(rows[1].rfind("seq,,,V=64;T=16;D=32;H=4;L=4;F=4;p=0.1;B=8,", 0), 0u) << rows[1];
  EXPECT_EQ(rows[4].rfind("pp2-gpipe,micro_batch,8,", 0), 0u) << rows[4];
  for (size_t row = 1; row < rows.size(); ++row) {
    EXPECT_EQ(std::count(rows[row].begin(), rows[row].end(), ','), 10) << rows[row];
    EXPECT_EQ(rows[row].substr(rows[row].rfind(',')), row == 5 ? ",skipped" : ",ok") << rows[row];
  }
  // One micro-batch of 8 cannot be interleaved over 2 ranks: skipped up front, with the reason.
  const auto skipped = records_of(dir / "results.jsonl").back();
  EXPECT_EQ(skipped["status"], "failed");
  EXPECT_EQ(skipped["skipped"], true);
  EXPECT_NE(skipped["reason"].get<std::string>().find("interleaved"), std::string::npos) << skipped.dump();
}

TEST(SweepPlan, RepeatsInterleaveAcrossStrategies) {
  SweepSpec spec;
  spec.base.vocab_size = 64, spec.base.seq_len = 16, spec.base.d_model = 32;
  spec.base.n_heads = 4, spec.base.n_layers = 4, spec.base.batch_size = 8;
  spec.strategies = {parse_strategy("seq"), parse_strategy("dp2")};
  spec.repeats = 2;
  const auto points = plan_sweep(spec);
  // A B A B, not A A B B: a slow minute of the machine falls on both strategies.
  ASSERT_EQ(points.size(), 4u);
  const std::vector<std::pair<std::string, int>> expected{{"seq", 0}, {"dp2", 0}, {"seq", 1}, {"dp2", 1}};
  for (size_t index = 0; index < points.size(); ++index) {
    EXPECT_EQ(points[index].strategy.name, expected[index].first) << index;
    EXPECT_EQ(points[index].repeat, expected[index].second) << index;
  }
  // Repeat 0 keeps the key of files written before repeats; each repeat is its own key and measurement.
  EXPECT_EQ(points[0].key().find("repeat"), std::string::npos) << points[0].key();
  EXPECT_EQ(points[2].key(), points[0].key() + "|repeat=1");
  EXPECT_NE(points[2].measurement_key(), points[0].measurement_key());
  spec.repeats = 0;
  EXPECT_THROW(plan_sweep(spec), UsageError);
}

TEST(Sweep, InterruptedRepeatsResumeOnlyTheMissingOnes) {
  const fs::path dir = fresh_dir("repeats");
  const fs::path out = dir / "results.jsonl";
  const std::string args = "--strategies seq,dp2 --repeats 2";
  const auto first = sweep(out, args, "PARATRAIN_SWEEP_EXIT_AFTER=3");
  ASSERT_EQ(first.exit_code, 137) << first.output;
  const auto kept = records_of(out);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[2]["sweep"]["strategy"], "seq");  // seq, dp2, then seq's second repeat
  EXPECT_EQ(kept[2]["sweep"]["repeat"], 1);
  EXPECT_TRUE(kept[0]["machine"].contains("cpu_model")) << kept[0].dump();
  const auto second = sweep(out, args);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("3 already stored, 1 measured"), std::string::npos) << second.output;
  const auto records = records_of(out);
  ASSERT_EQ(records.size(), 4u);
  for (const auto& [key, count] : key_counts(records)) EXPECT_EQ(count, 1) << key;
  EXPECT_EQ(records[3]["sweep"]["strategy"], "dp2");
  EXPECT_EQ(records[3]["sweep"]["repeat"], 1);
}

}  // namespace paratrain
