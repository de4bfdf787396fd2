// The run record: one typed value with one JSON form. A record written and
// read back is equal; a line printed by bench reads back and writes out as
// the same JSON (so no field name changed); strategies have one name each.
#include "record/run_record.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../cli/run_command.h"
#include "core/json_fields.h"
#include "record/failed_record.h"
#include "record/strategy_name.h"

namespace paratrain {

namespace {

using nlohmann::json;

RankRecord rank_at(int rank, int pp, double scale) {
  RankRecord out;
  out.rank = rank;
  out.coord = {0, pp, rank % 2};
  out.utilization = 0.5 * scale;
  out.bubble = 0.25 * scale;
  out.exposed_comm = 0.125 * scale;
  for (int kind = 0; kind < kEventKindCount; ++kind) out.seconds[kind] = 0.001 * (kind + 1) * scale;
  out.wall_seconds = 0.5;
  for (int category = 0; category < kMemoryCategoryCount; ++category) {
    out.peak.by_category[category] = 1000 * (category + 1) + rank;
  }
  out.peak.total = 30000 + rank;
  out.peak_rss_bytes = 50'000'000 + rank;
  return out;
}

RunRecord full_record() {
  RunRecord record;
  record.config = cpu_small_config();
  record.layout.grid = {1, 2, 2};
  record.layout.micro_batch = 4;
  record.layout.schedule = ScheduleKind::kInterleaved;
  record.layout.virtual_stages = 2;
  record.layout.partition = {1, 1, 1, 1};
  record.layout.sequence_parallel = true;
  record.build = {"oneDNN 2.6.3", "Open MPI v4.1.4", "none", "g++ 12.2.0", "-O3"};
  record.threads_per_rank = 2;
  record.warmup_steps = 1;
  record.measured_steps = 3;
  record.step_s = {0.25, 0.125, 0.5};
  record.tokens_per_s = 8192.5;
  record.tokens_per_s_per_device = 2048.125;
  record.model_flops_per_token = 1.5e7;
  record.achieved_gflops_per_device = 30.72;
  record.peak_gflops_per_device = 100;
  record.peak_source = "given";
  record.mfu = 0.3072;
  for (int rank = 0; rank < 4; ++rank) record.ranks.push_back(rank_at(rank, rank / 2, 1.0 + rank));
  record.loss_first = 6.9;
  record.loss_last = 6.5;
  SweepLabel label;
  label.strategy = strategy_name(record.layout);
  label.varied = SweepField::kDropout;
  label.value = 0.2;
  label.key = "k";
  label.measurement_key = "m";
  label.trace = "points/a.trace.json";
  label.seconds = 12.5;
  record.sweep = label;
  return record;
}

// Reads bench's last stdout line and checks it survives the typed round trip exactly.
void expect_bench_line_reads_back(const std::string& line) {
  const json printed = json::parse(line);
  const RunRecord record = run_record_from_json(printed);
  EXPECT_EQ(to_json(record), printed) << "a field was renamed, dropped or added";
  EXPECT_EQ(run_record_from_json(to_json(record)), record);
  EXPECT_FALSE(record.sweep.has_value());
  EXPECT_GT(record.tokens_per_s, 0);
  EXPECT_EQ(record.ranks.size(), static_cast<size_t>(record.layout.grid.world()));
}

const char* const kBenchLine =
    R"({"achieved_gflops_per_device":0.37026809161946833,"build":{"blas":"oneDNN 2.6.3","compiler":"g++ 12.2.0","cuda":"none","flags":"-O3 -DNDEBUG -march=native, kernels -O3 -ffast-math -fopenmp-simd, gemm onednn","mpi":"Open MPI v4.1.4"},"config":{"batch_size":8,"d_model":32,"dropout":0.10000000149011612,"ffn_mult":4,"n_heads":4,"n_layers":4,"seq_len":16,"vocab_size":64},"layout":{"bucket_bytes":4194304,"dp":1,"micro_batch":8,"micro_batches":1,"partition":[4],"pp":1,"schedule":"1f1b","sequence_parallel":false,"tp":1,"virtual_stages":1,"zero":0},"loss":{"first":4.171808523230206,"last":4.1707671534046575},"mfu":0.0037026809161946833,"model_flops_per_token":331776.0,"peak_gflops_per_device":100.0,"peak_source":"given","ranks":[{"bubble":2.79293852458021e-06,"coord":{"dp":0,"pp":0,"tp":0},"exposed_comm":0.0,"peak_bytes":{"activations":1254400,"comm":0,"gradients":221952,"optimizer":443904,"parameters":221952,"total":2359808,"workspace":217600},"peak_rss_bytes":26370048,"rank":0,"seconds":{"allreduce":0.0,"backward":0.04773117800004911,"forward":0.18132881600013206,"optimizer":0.00024246499970104196,"other":1.1191000339749735e-05,"recv":0.0,"send":0.0,"wait":6.410000423784368e-07,"wall":0.22950739399993836},"utilization":0.9991070658052255}],"step_s":{"max":0.2030178199997863,"median":0.11469345849991441,"min":0.02636909700004253},"steps":{"measured":2,"warmup":0},"threads_per_rank":1,"tokens_per_s":1116.0183124140033,"tokens_per_s_per_device":1116.0183124140033})";

}  // namespace

TEST(RunRecord, WrittenAndReadBackIsEqual) {
  const RunRecord record = full_record();
  const json written = to_json(record);
  const RunRecord read = run_record_from_json(json::parse(written.dump()));
  EXPECT_EQ(read, record);
  EXPECT_EQ(read.ranks[3].peak.bytes(MemoryCategory::kWorkspace), 6003);
  EXPECT_EQ(to_json(read), written);
  // The names users' scripts read.
  EXPECT_EQ(written["status"], "ok");
  EXPECT_EQ(written["sweep"]["varied"], "dropout");
  EXPECT_EQ(written["layout"]["micro_batches"], record.layout.micro_batches(record.config));
  EXPECT_EQ(written["ranks"][1]["peak_bytes"]["optimizer"], 3001);
  EXPECT_EQ(written["ranks"][1]["seconds"]["forward"], 0.002);
  EXPECT_EQ(written["loss"]["last"], 6.5);
}

TEST(RunRecord, AFailedPointRoundTrips) {
  FailedRecord failed;
  failed.exit_code = 2;
  failed.error = "not launched: too few blocks";
  failed.skipped = true;
  failed.reason = "too few blocks";
  failed.config = cpu_small_config();
  failed.layout = Layout{};
  failed.sweep = SweepLabel{"seq", SweepField::kNLayers, 2, "k", "m", "", std::nullopt, ""};
  const json written = to_json(failed);
  EXPECT_TRUE(is_failed_record(written));
  EXPECT_EQ(failed_record_from_json(json::parse(written.dump())), failed);
  // A point can fail before its configuration is whole: read, without it.
  const json partial = {{"status", "failed"}, {"config", {{"n_layers", 8}}}, {"error", "oom"}};
  const FailedRecord read = failed_record_from_json(partial);
  EXPECT_FALSE(read.config.has_value());
  EXPECT_EQ(read.error, "oom");
}

TEST(RunRecord, AMissingOrMistypedFieldIsNamed) {
  json record = to_json(full_record());
  record["layout"].erase("tp");
  try {
    run_record_from_json(record);
    ADD_FAILURE() << "expected a JsonFieldError";
  } catch (const JsonFieldError& error) {
    EXPECT_EQ(std::string(error.what()), "lacks layout.tp");
  }
  record = to_json(full_record());
  record["ranks"][0]["peak_bytes"]["comm"] = "lots";
  EXPECT_THROW(run_record_from_json(record), JsonFieldError);
  record = to_json(full_record());
  record["layout"]["schedule"] = "zigzag";
  EXPECT_THROW(run_record_from_json(record), JsonFieldError);
}

// A line `paratrain bench` printed before the record became a type (two
// pipeline ranks, under mpirun), as users' results files hold them.
TEST(RunRecord, ALinePrintedByBenchReadsBack) {
  expect_bench_line_reads_back(kBenchLine);
}

TEST(RunRecord, TheBinarysOwnLineReadsBack) {
  const auto result = testing::run_paratrain(
      "bench --vocab-size 64 --seq-len 16 --d-model 32 --n-heads 4 --n-layers 4 --batch-size 8 "
      "--warmup 0 --steps 1 --peak-gflops 100 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto end = result.output.find_last_not_of('\n');
  const auto begin = result.output.rfind('\n', end);
  expect_bench_line_reads_back(result.output.substr(begin == std::string::npos ? 0 : begin + 1));
}

TEST(StrategyName, OneNamePerLayoutInTheSweepsOrder) {
  Layout layout;
  EXPECT_EQ(strategy_name(layout), "seq");
  layout.grid = {2, 1, 1};
  layout.zero = 1;
  EXPECT_EQ(strategy_name(layout), "dp2-zero1");
  layout.grid = {2, 2, 2};
  layout.sequence_parallel = true;
  layout.schedule = ScheduleKind::kGPipe;
  EXPECT_EQ(strategy_name(layout), "dp2-zero1xtp2-spxpp2-gpipe");
  layout = Layout{};
  layout.grid = {1, 4, 1};
  layout.schedule = ScheduleKind::kInterleaved;
  layout.virtual_stages = 2;
  EXPECT_EQ(strategy_name(layout), "pp4-interleaved-v2");
  layout.grid = {2, 2, 1};
  layout.schedule = ScheduleKind::kOneFOneB;
  layout.virtual_stages = 1;
  EXPECT_EQ(strategy_name(layout), "dp2xpp2-1f1b");
}

}  // namespace paratrain
