// paratrain report: a results file written here (four strategies swept over
// batch size, sequence length, layers and micro-batch size, one failed point,
// two tiny traces) becomes report.md and PNGs whose contents are checked.
#include "report/report.h"

#include <gtest/gtest.h>
#include "../temp_path.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "report/figures.h"

namespace paratrain {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RankSpec {
  double utilization;
  int64_t total_bytes;  // split into the six categories below
  double bubble;
};

struct RunSpec {
  std::string strategy;
  std::string varied;
  int batch = 8, seq_len = 16, layers = 4;
  int dp = 1, pp = 1, micro_batch = 8;
  std::string schedule = "none";
  double tokens_per_s = 0;
  std::vector<RankSpec> ranks;
  double mfu = -1;  // negative: no "mfu" field
  std::string trace{};
};

json memory(int64_t total) {
  // parameters p, gradients p, optimizer 2p, activations 3p, workspace p, comm the rest.
  const int64_t p = total / 10;
  return {{"parameters", p},       {"gradients", p}, {"optimizer", 2 * p}, {"activations", 3 * p},
          {"comm", total - 8 * p}, {"workspace", p}, {"total", total}};
}

json record(const RunSpec& spec) {
  const int devices = spec.dp * spec.pp;
  json ranks = json::array();
  for (size_t rank = 0; rank < spec.ranks.size(); ++rank) {
    const RankSpec& r = spec.ranks[rank];
    ranks.push_back(
        {{"rank", rank},
         {"coord", {{"dp", int(rank) / spec.pp}, {"pp", int(rank) % spec.pp}, {"tp", 0}}},
         {"utilization", r.utilization},
         {"bubble", r.bubble},
         {"exposed_comm", r.bubble},
         {"seconds", {{"forward", 0.001}, {"wall", 0.01}}},
         {"peak_bytes", memory(r.total_bytes)},
         {"peak_rss_bytes", 50000000}});
  }
  const int micro_batches = spec.batch / spec.dp / spec.micro_batch;
  json value = spec.varied == "batch_size" ? spec.batch
               : spec.varied == "seq_len"  ? spec.seq_len
               : spec.varied == "n_layers" ? spec.layers
                                           : spec.micro_batch;
  json sweep = {{"strategy", spec.strategy}, {"varied", spec.varied}, {"value", value}};
  if (!spec.trace.empty()) sweep["trace"] = spec.trace;
  json out = {
      {"config",
       {{"vocab_size", 64},
        {"seq_len", spec.seq_len},
        {"d_model", 32},
        {"n_heads", 4},
        {"n_layers", spec.layers},
        {"ffn_mult", 4},
        {"dropout", 0.1},
        {"batch_size", spec.batch}}},
      {"layout",
       {{"dp", spec.dp},
        {"pp", spec.pp},
        {"tp", 1},
        {"micro_batch", spec.micro_batch},
        {"micro_batches", micro_batches},
        {"schedule", spec.schedule},
        {"virtual_stages", 1},
        {"bucket_bytes", 4194304}}},
      {"build",
       {{"blas", "oneDNN 2.6.3"},
        {"mpi", "Open MPI v4.1.4"},
        {"cuda", "none"},
        {"compiler", "g++ 12.2.0"}}},
      {"steps", {{"warmup", 1}, {"measured", 3}}},
      {"step_s",
       {{"median", spec.batch * spec.seq_len / spec.tokens_per_s}, {"min", 0.001}, {"max", 0.1}}},
      {"tokens_per_s", spec.tokens_per_s},
      {"tokens_per_s_per_device", spec.tokens_per_s / devices},
      {"ranks", ranks},
      {"loss", {{"first", 4.17}, {"last", 4.15}}},
      {"sweep", sweep}};
  if (spec.mfu >= 0) out["mfu"] = spec.mfu;
  return out;
}

RunSpec seq(const std::string& varied, double tokens, int batch = 8, int seq_len = 16,
            int layers = 4) {
  return {
      "seq", varied, batch, seq_len, layers, 1, 1, batch, "none", tokens, {{0.95, 2000000, 0.0}},
      0.05};
}

RunSpec dp2(const std::string& varied, double tokens, int batch = 8, int seq_len = 16,
            int layers = 4) {
  return {"dp2",
          varied,
          batch,
          seq_len,
          layers,
          2,
          1,
          batch / 2,
          "none",
          tokens,
          {{0.9, 2000000, 0.0}, {0.9, 2000000, 0.0}},
          0.045};
}

RunSpec pp2(const std::string& schedule, const std::string& varied, double tokens, int batch,
            int micro_batch, const std::string& trace = "") {
  const bool gpipe = schedule == "gpipe";
  std::vector<RankSpec> ranks =
      gpipe ? std::vector<RankSpec>{{0.7, 1200000, 0.3}, {0.6, 1300000, 0.4}}
            : std::vector<RankSpec>{{0.8, 1100000, 0.2}, {0.7, 1050000, 0.3}};
  return {gpipe ? "pp2-gpipe" : "pp2-1f1b",
          varied,
          batch,
          16,
          4,
          1,
          2,
          micro_batch,
          schedule,
          tokens,
          ranks,
          gpipe ? 0.03 : 0.035,
          trace};
}

// (rank, category, micro-batch, start ms, duration ms) of one step.
struct Event {
  int rank;
  const char* category;
  int micro_batch;
  double start_ms, duration_ms;
};

void write_trace(const std::string& path, const std::vector<Event>& one_step) {
  json events = json::array();
  for (int rank = 0; rank < 2; ++rank) {
    events.push_back({{"ph", "M"},
                      {"name", "thread_name"},
                      {"pid", 0},
                      {"tid", rank},
                      {"args", {{"name", "rank " + std::to_string(rank)}}}});
  }
  // Three steps, the middle one slowest but the last the median-length one.
  const double stretch[] = {1.0, 1.5, 1.2};
  double origin = 0.0;
  for (int step = 0; step < 3; ++step) {
    for (const Event& event : one_step) {
      const std::string category = event.category;
      const std::string name =
          category + (event.micro_batch >= 0 ? " mb" + std::to_string(event.micro_batch) : "");
      events.push_back(
          {{"ph", "X"},
           {"pid", 0},
           {"tid", event.rank},
           {"cat", category},
           {"name", name},
           {"ts", 1000.0 * (origin + event.start_ms * stretch[step])},
           {"dur", 1000.0 * event.duration_ms * stretch[step]},
           {"args", {{"step", step + 1}, {"micro_batch", event.micro_batch}, {"chunk", 0}}}});
    }
    origin += 30.0;
  }
  std::ofstream(path) << json{{"traceEvents", events}}.dump();
}

std::vector<Event> gpipe_step() {
  std::vector<Event> events;
  for (int mb = 0; mb < 4; ++mb) {
    events.push_back({0, "forward", mb, double(mb), 1});
    events.push_back({1, "forward", mb, mb + 1.0, 1});
    events.push_back({1, "backward", mb, 5.0 + 2 * mb, 2});
    events.push_back({0, "backward", mb, 7.0 + 2 * mb, 2});
  }
  events.push_back({1, "recv", 0, 0, 1});
  events.push_back({0, "recv", 0, 4, 3});
  events.push_back({0, "optimizer", -1, 15, 0.5});
  events.push_back({1, "optimizer", -1, 13, 0.5});
  return events;
}

std::vector<Event> one_f_one_b_step() {
  return {{1, "recv", 0, 0, 1},      {0, "forward", 0, 0, 1},       {0, "forward", 1, 1, 1},
          {1, "forward", 0, 1, 1},   {1, "backward", 0, 2, 2},      {0, "recv", 0, 2, 2},
          {1, "forward", 1, 4, 1},   {0, "backward", 0, 4, 2},      {1, "backward", 1, 5, 2},
          {0, "forward", 2, 6, 1},   {0, "backward", 1, 7, 2},      {1, "forward", 2, 7, 1},
          {1, "backward", 2, 8, 2},  {0, "forward", 3, 9, 1},       {0, "backward", 2, 10, 2},
          {1, "forward", 3, 10, 1},  {1, "backward", 3, 11, 2},     {0, "recv", 3, 12, 1},
          {0, "backward", 3, 13, 2}, {0, "optimizer", -1, 15, 0.5}, {1, "optimizer", -1, 13, 0.5}};
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::process_temp_dir()) /
           ("paratrain_report_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  std::string write_lines(const std::string& name, const std::vector<std::string>& lines) {
    const std::string path = (dir_ / name).string();
    std::ofstream out(path);
    for (const std::string& line : lines) out << line << "\n";
    return path;
  }

  std::vector<std::string> full_sweep() {
    write_trace((dir_ / "gpipe.trace.json").string(), gpipe_step());
    write_trace((dir_ / "1f1b.trace.json").string(), one_f_one_b_step());
    std::vector<RunSpec> specs = {seq("batch_size", 10000, 4),
                                  seq("batch_size", 12000, 8),
                                  seq("batch_size", 13000, 16),
                                  dp2("batch_size", 15000, 4),
                                  dp2("batch_size", 22000, 8),
                                  dp2("batch_size", 25000, 16),
                                  pp2("gpipe", "batch_size", 9000, 4, 2),
                                  pp2("gpipe", "batch_size", 14000, 8, 2),
                                  pp2("gpipe", "batch_size", 18000, 16, 2),
                                  pp2("1f1b", "batch_size", 9500, 4, 2),
                                  pp2("1f1b", "batch_size", 16000, 8, 2),
                                  pp2("1f1b", "batch_size", 20000, 16, 2),
                                  seq("seq_len", 12000, 8, 16),
                                  seq("seq_len", 11000, 8, 32),
                                  dp2("seq_len", 22000, 8, 16),
                                  dp2("seq_len", 21000, 8, 32),
                                  seq("n_layers", 20000, 8, 16, 2),
                                  seq("n_layers", 12000, 8, 16, 4),
                                  dp2("n_layers", 36000, 8, 16, 2),
                                  dp2("n_layers", 22000, 8, 16, 4),
                                  pp2("gpipe", "micro_batch", 11000, 8, 1),
                                  pp2("gpipe", "micro_batch", 14100, 8, 2, "gpipe.trace.json"),
                                  pp2("gpipe", "micro_batch", 12000, 8, 4),
                                  pp2("1f1b", "micro_batch", 13000, 8, 1),
                                  pp2("1f1b", "micro_batch", 16100, 8, 2, "1f1b.trace.json"),
                                  pp2("1f1b", "micro_batch", 15000, 8, 4)};
    std::vector<std::string> lines;
    for (const RunSpec& spec : specs) lines.push_back(record(spec).dump());
    json failed = {{"status", "failed"},
                   {"error", "out of memory on rank 1"},
                   {"exit_code", 3},
                   {"sweep", {{"strategy", "pp2-1f1b"}, {"varied", "n_layers"}, {"value", 8}}},
                   {"config", {{"n_layers", 8}}},
                   {"layout", {{"dp", 1}, {"pp", 2}}}};
    lines.insert(lines.begin() + 20, failed.dump());
    return lines;
  }

  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
};

uint32_t big_endian(const std::string& bytes, size_t offset) {
  uint32_t value = 0;
  for (size_t index = 0; index < 4; ++index) value = value << 8 | uint8_t(bytes[offset + index]);
  return value;
}

// A PNG: its signature, an IHDR chunk first, the size it was asked for.
void expect_png(const fs::path& path, uint32_t width, uint32_t height) {
  ASSERT_TRUE(fs::exists(path)) << path;
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  const std::string bytes = data.str();
  ASSERT_GT(bytes.size(), 5000u) << path << " is too small to hold a figure";
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << path;
  EXPECT_EQ(bytes.substr(12, 4), "IHDR") << path;
  EXPECT_EQ(big_endian(bytes, 16), width) << path;
  EXPECT_EQ(big_endian(bytes, 20), height) << path;
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "report.md lacks: " << part;
}

void expect_usage_error(const std::string& results, const std::string& out,
                        const std::string& part) {
  try {
    write_report(results, out);
    ADD_FAILURE() << "expected UsageError mentioning '" << part << "'";
  } catch (const UsageError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    EXPECT_NE(std::string(error.what()).find(part), std::string::npos)
        << "'" << error.what() << "' should mention '" << part << "'";
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos) << "one line expected";
  }
}

}  // namespace

TEST_F(ReportTest, DrawsEveryFigureFromAFullSweep) {
  const std::string results = write_lines("results.jsonl", full_sweep());
  const fs::path out = dir_ / "out";
  ASSERT_EQ(write_report(results, out.string()), 0);
  for (const char* stem :
       {"throughput_vs_batch_size", "throughput_utilization_vs_batch_size", "throughput_vs_seq_len",
        "throughput_utilization_vs_seq_len", "throughput_vs_n_layers",
        "throughput_utilization_vs_n_layers", "throughput_utilization_vs_micro_batch",
        "memory_by_category", "bubble_vs_model", "mfu_per_strategy"}) {
    expect_png(out / (std::string(stem) + ".png"), report::kFigureWidth, report::kFigureHeight);
    EXPECT_TRUE(fs::exists(out / (std::string(stem) + ".gp")))
        << stem << ": script kept for re-runs";
  }
  expect_png(out / "pipeline_timeline.png", report::kFigureWidth, 2 * report::kTimelinePanelHeight);
  const std::string md = read("out/report.md");
  expect_contains(md, "11 of 11 figures drawn, 0 skipped");
  expect_contains(md, "![Pipeline timeline: GPipe against 1F1B](pipeline_timeline.png)");
  // The micro-batch table: pp2-1f1b at micro-batch 2, numbers straight from the file.
  expect_contains(md, "#### Micro-batch size 2");
  expect_contains(md,
                  "| pp2-1f1b | 4 | r0 80.0%, r1 70.0% | 75.0% | 16100 | 8050 | 1.05 | 47.68 |");
  expect_contains(md,
                  "| pp2-gpipe | 8 | r0 70.0%, r1 60.0% | 65.0% | 11000 | 5500 | 1.24 | 47.68 |");
  // Winners and margins, computed.
  expect_contains(md, "batch_size 4: **dp2** at 15000 tokens/s, 50.0% over seq (10000 tokens/s)");
  expect_contains(md,
                  "batch_size 8: **dp2** at 22000 tokens/s, 37.5% over pp2-1f1b (16000 tokens/s)");
  expect_contains(
      md, "micro_batch 2: **pp2-1f1b** at 16100 tokens/s, 14.2% over pp2-gpipe (14100 tokens/s)");
  expect_contains(
      md, "dp2, varying batch_size: **below 90%** of seq's per-device throughput at 4 (75.0%)");
  expect_contains(md, "Lowest max memory per device: **pp2-1f1b** with 1.05 MiB on rank 0");
  expect_contains(md, "Highest MFU: **seq** at 5.00%");
  expect_contains(md, "pp2-gpipe (p=2), measured vs model: m=2: 35.0% vs 33.3%");
  expect_contains(md, "| 21 | pp2-1f1b | n_layers | 8 | 3 | out of memory on rank 1 |");
}

TEST_F(ReportTest, FiguresWithoutDataAreSkippedWithTheReason) {
  std::vector<std::string> lines;
  for (const RunSpec& spec : {seq("batch_size", 10000, 4), seq("batch_size", 12000, 8),
                              dp2("batch_size", 15000, 4), dp2("batch_size", 22000, 8)}) {
    json line = record(spec);
    line.erase("mfu");
    lines.push_back(line.dump());
  }
  const std::string results = write_lines("results.jsonl", lines);
  ASSERT_EQ(write_report(results, (dir_ / "out").string()), 0);
  expect_png(dir_ / "out/throughput_vs_batch_size.png", report::kFigureWidth,
             report::kFigureHeight);
  const std::string md = read("out/report.md");
  expect_contains(md, "3 of 11 figures drawn, 8 skipped");
  expect_contains(md, "*Skipped: no successful run varies seq_len.*");
  expect_contains(md, "*Skipped: no successful pipeline (pp > 1) run varies micro_batch.*");
  expect_contains(md, "*Skipped: no GPipe run has a trace; no 1F1B run has a trace.*");
  expect_contains(md, "*Skipped: the records carry no mfu.*");
  for (const char* stem :
       {"throughput_vs_seq_len", "pipeline_timeline", "bubble_vs_model", "mfu_per_strategy"}) {
    EXPECT_FALSE(fs::exists(dir_ / "out" / (std::string(stem) + ".png"))) << stem;
  }
}

TEST_F(ReportTest, BadInputIsAUsageErrorNamingTheLine) {
  const std::string out = (dir_ / "out").string();
  expect_usage_error((dir_ / "missing.jsonl").string(), out, "cannot read results file");
  const std::string good = record(seq("batch_size", 10000, 4)).dump();
  expect_usage_error(write_lines("broken.jsonl", {good, good, "{\"tokens_per_s\": 1,"}), out,
                     "broken.jsonl:3: not a JSON object");
  json partial = record(seq("batch_size", 10000, 4));
  partial.erase("tokens_per_s");
  expect_usage_error(write_lines("partial.jsonl", {good, partial.dump()}), out,
                     "partial.jsonl:2: malformed record: lacks tokens_per_s");
  expect_usage_error(write_lines("empty.jsonl", {}), out, "holds no records");
  const std::string results = write_lines("results.jsonl", {good});
  const std::string file = write_lines("a_file", {"x"});
  expect_usage_error(results, file + "/sub", "--out");
}

TEST_F(ReportTest, MissingGnuplotIsAUsageError) {
  const std::string results =
      write_lines("results.jsonl", {record(seq("batch_size", 10000, 4)).dump()});
  const char* saved = std::getenv("PATH");
  const std::string path = saved != nullptr ? saved : "";
  ::setenv("PATH", (dir_ / "no_programs_here").c_str(), 1);
  expect_usage_error(results, (dir_ / "out").string(), "gnuplot not found");
  ::setenv("PATH", path.c_str(), 1);
}

}  // namespace paratrain

namespace paratrain {

// Issue 12: records carrying the planner's prediction add the predicted
// against measured figure, the error table and the planner's best layouts.
TEST_F(ReportTest, PredictionsAddTheirFigureTableAndTheBestLayouts) {
  std::vector<std::string> lines;
  for (const std::string& line : full_sweep()) {
    json with_prediction = json::parse(line);
    if (!with_prediction.contains("ranks")) {  // a failed point
      lines.push_back(line);
      continue;
    }
    const double measured = with_prediction["tokens_per_s"].get<double>();
    json peaks = json::array();
    for (const auto& rank : with_prediction["ranks"]) peaks.push_back(rank["peak_bytes"]["total"]);
    with_prediction["predicted"] = {{"tokens_per_s", 1.1 * measured},
                                    {"step_s", 0.01},
                                    {"peak_bytes", peaks},
                                    {"cluster", "test"}};
    if (with_prediction["layout"]["pp"] == 2) with_prediction["predicted"]["stage_bubble"] = {0.25, 0.125};
    lines.push_back(with_prediction.dump());
  }
  const std::string results = write_lines("results.jsonl", lines);
  const fs::path out = dir_ / "out";
  ASSERT_EQ(write_report(results, out.string()), 0);
  expect_png(out / "predicted_vs_measured.png", report::kFigureWidth, report::kFigureHeight);
  const std::string md = read("out/report.md");
  expect_contains(md, "12 of 12 figures drawn, 0 skipped");
  expect_contains(md, "## Predicted against measured");
  expect_contains(md, "| +10.0% |");
  expect_contains(md, "median |error| of tokens/s 10.0%, worst 10.0%; worst peak-memory error 0.00%");
  // Each stage's measured bubble beside the simulator's, from the records.
  expect_contains(md, "pp2-gpipe by stage, measured / the simulator's prediction");
  expect_contains(md, "% / 25.0%, stage 1 ");
  expect_contains(md, "% / 12.5%");
  expect_contains(md, "## The planner's best layouts");
  expect_contains(md, "### GPT 1.7B");
  expect_contains(md, "on 8 node(s) (64 GPUs)");
}

}  // namespace paratrain
