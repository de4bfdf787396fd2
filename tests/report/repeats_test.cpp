// Repeats in the report: a results file with known repeats folds into medians
// and min-max spreads, and the observations name a winner only beyond noise.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../temp_path.h"
#include "report/markdown_tables.h"
#include "report/noise.h"
#include "report/numerics_report.h"
#include "report/observations.h"
#include "report/results.h"

namespace paratrain::report {

namespace {

using nlohmann::json;

// One bench record of `strategy` (dp ranks) at batch_size `batch`, repeat `repeat`.
json repeat_record(const std::string& strategy, int dp, int batch, int repeat, double tokens) {
  json ranks = json::array();
  for (int rank = 0; rank < dp; ++rank) {
    ranks.push_back({{"rank", rank},
                     {"coord", {{"dp", rank}, {"pp", 0}, {"tp", 0}}},
                     {"utilization", 0.5 + 0.1 * repeat},
                     {"bubble", 0.0},
                     {"exposed_comm", 0.0},
                     {"peak_bytes", {{"parameters", 100}, {"gradients", 100}, {"optimizer", 200}, {"activations", 300},
                                     {"comm", 200}, {"workspace", 100}, {"total", 1000}}}});
  }
  const std::string key = strategy + "|batch_size=" + std::to_string(batch) + "|B=" + std::to_string(batch) +
                          (repeat > 0 ? "|repeat=" + std::to_string(repeat) : "");
  json sweep = {{"strategy", strategy}, {"varied", "batch_size"}, {"value", batch}, {"key", key}};
  if (repeat > 0) sweep["repeat"] = repeat;  // repeat 0 written as older files do: without the field
  return {{"config",
           {{"vocab_size", 64}, {"seq_len", 16}, {"d_model", 32}, {"n_heads", 4}, {"n_layers", 2},
            {"ffn_mult", 4}, {"dropout", 0.1}, {"batch_size", batch}}},
          {"layout", {{"dp", dp}, {"pp", 1}, {"tp", 1}, {"micro_batch", batch / dp}}},
          {"step_s", {{"median", batch * 16 / tokens}}},
          {"tokens_per_s", tokens},
          {"tokens_per_s_per_device", tokens / dp},
          {"ranks", ranks},
          {"sweep", sweep}};
}

struct Measured {
  std::string strategy;
  int dp, batch;
  std::vector<double> tokens;  // one per repeat
};

// Writes (each record with the same machine sample) repeat 0 of every point, then repeat 1, ... (as the sweep interleaves them).
std::string write_results(const std::vector<Measured>& points, const std::string& name) {
  const std::string path = paratrain::testing::temp_path(name);
  std::ofstream out(path);
  const json machine = {{"cpu_model", "Test CPU 3000"}, {"cores", 2}, {"load_avg", {0.25, 0.5, 0.75}},
                        {"busy_cores", 0.1}, {"started", "2026-01-01T00:00:00Z"}};
  for (size_t repeat = 0; repeat < 3; ++repeat) {
    for (const Measured& point : points) {
      if (repeat < point.tokens.size()) {
        json record = repeat_record(point.strategy, point.dp, point.batch, int(repeat), point.tokens[repeat]);
        record["machine"] = machine;
        out << record.dump() << "\n";
      }
    }
  }
  return path;
}

const MeasuredRun& run_of(const Results& results, const std::string& strategy, int batch) {
  for (const MeasuredRun& run : results.runs) {
    if (run.point.strategy == strategy && run.config.batch_size == batch) return run;
  }
  throw std::runtime_error("no run " + strategy);
}

std::string joined(const ObservationSection& section) {
  std::string text;
  for (const std::string& line : section.lines) text += line + "\n";
  return text;
}

}  // namespace

TEST(Repeats, MedianAndSpreadOverKnownRepeats) {
  const std::string path = write_results({{"seq", 1, 8, {1000, 1300, 1100}}, {"dp2", 2, 8, {2000, 1800}}}, "fold.jsonl");
  const Results results = read_results(path);
  ASSERT_EQ(results.runs.size(), 2u);
  ASSERT_EQ(results.machines.size(), 1u);
  EXPECT_EQ(results.machines[0].cpu_model, "Test CPU 3000");
  const MeasuredRun& seq = run_of(results, "seq", 8);
  EXPECT_EQ(seq.repeats, 3);
  EXPECT_DOUBLE_EQ(seq.tokens_per_s, 1100);
  EXPECT_DOUBLE_EQ(seq.tokens_spread.low, 1000);
  EXPECT_DOUBLE_EQ(seq.tokens_spread.high, 1300);
  EXPECT_DOUBLE_EQ(seq.step_s.median, 8 * 16 / 1100.0);
  EXPECT_NEAR(seq.ranks[0].utilization, 0.6, 1e-12);  // median of 0.5, 0.6, 0.7
  EXPECT_EQ(seq.lines, (std::vector<int>{1, 3, 5}));
  const MeasuredRun& dp2 = run_of(results, "dp2", 8);
  EXPECT_EQ(dp2.repeats, 2);
  EXPECT_DOUBLE_EQ(dp2.tokens_per_s, 1900);  // an even count: the mean of the middle two
  EXPECT_DOUBLE_EQ(dp2.per_device_spread.low, 900);
  EXPECT_DOUBLE_EQ(dp2.per_device_spread.high, 1000);
  // seq's noise floor: (1300 - 1000) / 1100.
  const NoiseFloor floor = noise_floor(results);
  ASSERT_TRUE(floor.sequential.has_value());
  EXPECT_NEAR(*floor.sequential, 300.0 / 1100.0, 1e-12);
  EXPECT_NE(noise_header(results).find("Test CPU 3000"), std::string::npos);
  EXPECT_NE(noise_header(results).find("27.3% at the sequential point"), std::string::npos);
  // The tables give median (min–max).
  EXPECT_NE(runs_table(results).find("1100 (1000–1300)"), std::string::npos);
}

TEST(Repeats, OldFilesReadAsSingleRepeats) {
  const std::string path = paratrain::testing::temp_path("old.jsonl");
  json record = repeat_record("seq", 1, 8, 0, 1234);
  record["sweep"].erase("key");
  std::ofstream(path) << record.dump() << "\n" << record.dump() << "\n";
  const Results results = read_results(path);
  ASSERT_EQ(results.runs.size(), 2u);  // without keys, each record is its own point
  EXPECT_EQ(results.runs[0].repeats, 1);
  EXPECT_DOUBLE_EQ(results.runs[0].tokens_spread.low, 1234);
  EXPECT_EQ(runs_table(results).find("–"), std::string::npos);
}

TEST(Repeats, OverlappingSpreadsAreTiedWithinNoise) {
  // batch 8: dp2 1900 median but its range 1700–2100 overlaps tp2's 1750–1950: a tie.
  // batch 16: dp2 3000–3200 against tp2 2500–2700: dp2 wins beyond noise.
  const std::string path = write_results({{"dp2", 2, 8, {1700, 1900, 2100}},
                                          {"tp2", 2, 8, {1800, 1750, 1950}},
                                          {"dp2", 2, 16, {3000, 3100, 3200}},
                                          {"tp2", 2, 16, {2600, 2500, 2700}}},
                                         "ties.jsonl");
  const std::string text = joined(throughput_winners(read_results(path)));
  EXPECT_NE(text.find("batch_size 8: **tied within noise**: dp2 1900 tokens/s (1700–2100), tp2 1800 tokens/s "
                      "(1750–1950)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("batch_size 16: **dp2** at 3100 tokens/s (3000–3200), 19.2% over tp2 (2600 tokens/s (2500–2700))"),
            std::string::npos)
      << text;
}

TEST(Repeats, BelowThresholdOnlyBeyondNoise) {
  // dp2's per-device median is 85% of seq's at batch 8, but its best repeat
  // against seq's worst reaches 95%: within noise. At batch 16 it is far below.
  const std::string path = write_results({{"seq", 1, 8, {1000, 1000, 1050}},
                                          {"dp2", 2, 8, {1600, 1700, 2000}},
                                          {"seq", 1, 16, {1000, 1000, 1000}},
                                          {"dp2", 2, 16, {1000, 1100, 1200}}},
                                         "drops.jsonl");
  const std::string text = joined(efficiency_drops(read_results(path)));
  EXPECT_NE(text.find("**below 90%** of seq's per-device throughput at 16 (55.0%, 50.0%–60.0%)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("below 90% at its median but not beyond noise at 8 (85.0%, 76.2%–100.0%)"), std::string::npos)
      << text;
}

// What bf16 bought: each strategy's precision=1 point against its precision=0
// point, judged against the noise, with the memory change; and the two figures.
TEST(Repeats, NumericsAgainstTheBaselineKnowTheNoise) {
  const std::string path = paratrain::testing::temp_path("numerics.jsonl");
  {
    std::ofstream out(path);
    struct Point {
      std::string strategy;
      int dp;
      double precision;
      std::vector<double> tokens;
      int64_t total;
    };
    const std::vector<Point> points = {{"seq", 1, 0, {1000, 990, 1010}, 1000},
                                       {"seq", 1, 1, {800, 790, 810}, 900},
                                       {"dp2", 2, 0, {1900, 2000, 2100}, 1000},
                                       {"dp2", 2, 1, {1960, 2060, 2000}, 1100}};
    for (int repeat = 0; repeat < 3; ++repeat) {
      for (const Point& point : points) {
        json record = repeat_record(point.strategy, point.dp, 16, repeat, point.tokens[repeat]);
        record["sweep"]["varied"] = "precision";
        record["sweep"]["value"] = point.precision;
        record["sweep"]["key"] = point.strategy + "|precision=" + std::to_string(int(point.precision)) +
                                 "|repeat=" + std::to_string(repeat);
        for (auto& rank : record["ranks"]) rank["peak_bytes"]["total"] = point.total;
        out << record.dump() << "\n";
      }
    }
  }
  const Results results = read_results(path);
  const std::vector<NumericsPair> pairs = numerics_pairs(results);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].variant, "bf16");
  const std::string text = joined(numerics_bought(results));
  EXPECT_NE(text.find("**bf16** on seq: 0.80× the tokens/s (slower beyond noise)"), std::string::npos) << text;
  EXPECT_NE(text.find("(−10.0%)"), std::string::npos) << text;
  EXPECT_NE(text.find("**bf16** on dp2: 1.00× the tokens/s (tied within noise)"), std::string::npos) << text;
  EXPECT_NE(text.find("(+10.0%)"), std::string::npos) << text;
  EXPECT_NE(text.find("faster beyond noise for 0 of 2 strategies, slower for 1, tied for 1"), std::string::npos)
      << text;
  const FigurePlan speed = numerics_throughput_figure(results);
  ASSERT_FALSE(speed.skipped());
  const auto& bars = std::get<BarFigure>(speed.data);
  EXPECT_EQ(bars.bars, (std::vector<std::string>{"seq fp32", "seq bf16", "dp2 fp32", "dp2 bf16"}));
  EXPECT_DOUBLE_EQ(bars.values[1][0], 800);
  EXPECT_DOUBLE_EQ(bars.ranges[1].first, 790);
  EXPECT_FALSE(numerics_memory_figure(results).skipped());
  // Results without a precision or recompute axis have no such figure.
  EXPECT_TRUE(numerics_throughput_figure(read_results(write_results({{"seq", 1, 8, {1000}}}, "plain.jsonl"))).skipped());
}

}  // namespace paratrain::report
