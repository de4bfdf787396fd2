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

// Every field of `printed` is in `written`, with the same value: nothing was
// renamed or dropped (a newer record may hold more, e.g. new event kinds).
void expect_holds(const json& written, const json& printed, const std::string& where) {
  if (printed.is_object()) {
    ASSERT_TRUE(written.is_object()) << where;
    for (const auto& [key, value] : printed.items()) {
      ASSERT_TRUE(written.contains(key)) << where << "." << key << " was dropped or renamed";
      expect_holds(written[key], value, where + "." + key);
    }
  } else if (printed.is_array()) {
    ASSERT_TRUE(written.is_array() && written.size() == printed.size()) << where;
    for (size_t index = 0; index < printed.size(); ++index) {
      expect_holds(written[index], printed[index], where + "[" + std::to_string(index) + "]");
    }
  } else if (where == "record.config.dropout") {
    // The config stores a float and now prints its shortest form (0.1, not
    // an older bench's 0.10000000149011612): the same float either way.
    EXPECT_EQ(written.get<float>(), printed.get<float>()) << where;
  } else {
    EXPECT_EQ(written, printed) << where;
  }
}

// Reads a line bench printed and checks it survives the typed round trip.
RunRecord expect_bench_line_reads_back(const std::string& line) {
  const json printed = json::parse(line);
  const RunRecord record = run_record_from_json(printed);
  expect_holds(to_json(record), printed, "record");
  EXPECT_EQ(run_record_from_json(to_json(record)), record);
  EXPECT_FALSE(record.sweep.has_value());
  EXPECT_GT(record.tokens_per_s, 0);
  EXPECT_EQ(record.ranks.size(), static_cast<size_t>(record.layout.grid.world()));
  return record;
}

const char* const kBenchLine =
    R"({"achieved_gflops_per_device":0.27862447243197336,"build":{"blas":"oneDNN 2.6.3","compiler":"g+)"
    R"(+ 12.2.0","cuda":"none","flags":"-O3 -DNDEBUG -march=native, kernels -O3 -ffast-math -fopenmp-s)"
    R"(imd, gemm onednn","mpi":"Open MPI v4.1.4"},"config":{"batch_size":8,"d_model":32,"dropout":0.10)"
    R"(000000149011612,"ffn_mult":4,"n_heads":4,"n_layers":4,"seq_len":16,"vocab_size":64},"layout":{")"
    R"(bucket_bytes":4194304,"dp":1,"micro_batch":2,"micro_batches":4,"partition":[2,2],"pp":2,"schedu)"
    R"(le":"gpipe","sequence_parallel":false,"tp":1,"virtual_stages":1,"zero":0},"loss":{"first":4.171)"
    R"(808521491822,"last":4.170767160054598},"mfu":0.0027862447243197338,"model_flops_per_token":3317)"
    R"(76.0,"peak_gflops_per_device":100.0,"peak_source":"given","ranks":[{"bubble":0.5953033320362228)"
    R"(,"coord":{"dp":0,"pp":0,"tp":0},"exposed_comm":0.4358224153503234,"peak_bytes":{"activations":6)"
    R"(10304,"comm":4096,"gradients":111872,"optimizer":223744,"parameters":111872,"total":1118592,"wo)"
    R"(rkspace":56704},"peak_rss_bytes":22884352,"rank":0,"seconds":{"allreduce":0.0,"backward":0.0032)"
    R"(50310000112222,"forward":0.055036658000062744,"optimizer":0.00012126700039516436,"other":1.1232)"
    R"(000360905658e-05,"recv":0.0741862389995731,"send":4.5495000449591316e-05,"wait":0.0272091850001)"
    R"(7433,"wall":0.1703256450000481},"utilization":0.3429209676590606},{"bubble":0.4164990428668377,)"
    R"("coord":{"dp":0,"pp":1,"tp":0},"exposed_comm":0.5326748233649741,"peak_bytes":{"activations":66)"
    R"(0480,"comm":16384,"gradients":110080,"optimizer":220160,"parameters":110080,"total":1173888,"wo)"
    R"(rkspace":56704},"peak_rss_bytes":22843392,"rank":1,"seconds":{"allreduce":0.0,"backward":0.0106)"
    R"(25400999742851,"forward":0.05164788000001863,"optimizer":0.00024442899939458584,"other":9.81900)"
    R"(029728422e-06,"recv":0.06638959700012492,"send":0.01906778500051587,"wait":0.000429626000368443)"
    R"(8,"wall":0.1604306760000327},"utilization":0.3896867579062207}],"step_s":{"max":0.1302405760006)"
    R"(8772,"median":0.07620889800045916,"min":0.02217722000023059},"steps":{"measured":2,"warmup":0},)"
    R"("threads_per_rank":1,"tokens_per_s":1679.5938972799318,"tokens_per_s_per_device":839.7969486399)"
    R"(659})";

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

// A line `paratrain bench` printed before the record became a type (built
// from commit 40868ee; two GPipe ranks under mpirun), as users' files hold them.
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
  const std::string line = result.output.substr(begin == std::string::npos ? 0 : begin + 1);
  const RunRecord record = expect_bench_line_reads_back(line);
  EXPECT_EQ(to_json(record), json::parse(line)) << "today's bench writes exactly the typed record";
}

TEST(StrategyName, OneNamePerLayoutInTheSweepsOrder) {
  Layout layout;
  EXPECT_EQ(strategy_name(layout), "seq");
  layout.grid = {2, 1, 1};
  layout.zero = ZeroStage::kOptimizerState;
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
