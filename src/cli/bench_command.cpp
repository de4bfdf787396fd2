// paratrain bench: warm-up steps, then measured steps; rank 0 prints one JSON
// record (DESIGN.md's run record) as the last line.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/build_info.h"
#include "cli/command.h"
#include "cli/common_flags.h"
#include "cli/fault_injection.h"
#include "cli/run_output.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/memory.h"
#include "io/output_file.h"
#include "metrics/calibration.h"
#include "metrics/stats.h"
#include "metrics/timeline.h"
#include "parallel/trainer.h"

namespace paratrain {

namespace {

nlohmann::json memory_json(const MemoryTracker& tracker) {
  nlohmann::json out;
  for (int cat = 0; cat < kMemoryCategoryCount; ++cat) {
    const auto category = static_cast<MemoryCategory>(cat);
    out[memory_category_name(category)] = tracker.peak_bytes(category);
  }
  out["total"] = tracker.peak_total();
  return out;
}

// This rank's part of the record, from its timeline over the measured steps.
nlohmann::json rank_json(const ProcessGrid& grid, const TimeBreakdown& time,
                         const MemoryTracker& tracker) {
  nlohmann::json seconds;
  for (int kind = 0; kind < kEventKindCount; ++kind) {
    seconds[event_kind_name(static_cast<EventKind>(kind))] = time.by_kind[kind];
  }
  seconds["wall"] = time.wall;
  return {{"rank", grid.world_rank()},
          {"coord", {{"dp", grid.coord().dp}, {"pp", grid.coord().pp}, {"tp", grid.coord().tp}}},
          {"utilization", time.utilization()},
          {"bubble", time.waiting_for_neighbours() / time.wall},
          {"exposed_comm", time.communication() / time.wall},
          {"seconds", seconds},
          {"peak_bytes", memory_json(tracker)},
          {"peak_rss_bytes", peak_rss_bytes()}};
}

class BenchCommand : public Command {
 public:
  explicit BenchCommand(CLI::App& sub) {
    add_run_flags(sub, flags_);
    sub.add_option("--warmup", warmup_, "untimed steps first")->capture_default_str();
    sub.add_option("--steps", steps_, "measured steps")->capture_default_str();
    sub.add_option("--peak-gflops", peak_gflops_,
                   "device peak for MFU (default: measured by a calibration GEMM)");
    sub.add_option("--trace", trace_path_, "write a Chrome trace of the measured steps here");
  }

  void prepare(int world_size) override {
    data_ = prepare_run(flags_, world_size);
    if (warmup_ < 0) throw UsageError("--warmup must be >= 0");
    if (steps_ < 1) throw UsageError("--steps must be at least 1");
    if (peak_gflops_ < 0) throw UsageError("--peak-gflops must be positive");
    if (!trace_path_.empty()) check_output_path(trace_path_, "--trace");
  }

  int run(const Communicator& world) override;

 private:
  CommonFlags flags_;
  int warmup_ = 2, steps_ = 5;
  double peak_gflops_ = 0;  // 0: measure
  std::string trace_path_;
  std::unique_ptr<TokenSource> data_;
};

int BenchCommand::run(const Communicator& world) {
  const ModelConfig& model = flags_.train.model;
  const Layout& layout = flags_.layout.layout;
  ProcessGrid grid(layout.grid, world);
  // Every rank calibrates at once (they share the machine as they will in training).
  double peak = peak_gflops_ > 0 ? peak_gflops_ : calibrate_peak_gflops();
  world.all_reduce_max(&peak, 1);
  MemoryTracker tracker;
  Timeline timeline;
  Trainer trainer(flags_.train, layout, grid, *data_, tracker, timeline);

  std::vector<double> step_seconds, losses;
  double measured_begin = 0;
  for (int step_idx = 0; step_idx < warmup_ + steps_; ++step_idx) {
    if (step_idx == warmup_) {
      world.barrier();
      timeline.clear();
      measured_begin = now_seconds();
    } else {
      // Steps start together, so a step's time is the slowest rank's.
      ScopedEvent wait(timeline, EventKind::kWait, trainer.next_step(), -1, -1, "wait: step start");
      world.barrier();
    }
    maybe_inject_fault(world.rank(), trainer.next_step());
    const StepResult result = trainer.train_step();
    double seconds = result.seconds;
    world.all_reduce_max(&seconds, 1);
    losses.push_back(result.loss);
    if (world.rank() == 0) {
      std::fprintf(stderr, "%s step %u | loss %.4f | time %.3f s\n",
                   step_idx < warmup_ ? "warmup" : "bench", result.step, result.loss, seconds);
    }
    if (step_idx >= warmup_) step_seconds.push_back(seconds);
  }
  const TimeBreakdown time = timeline.breakdown(measured_begin, now_seconds());
  if (!trace_path_.empty()) write_run_trace(trace_path_, grid, timeline, measured_begin);
  const auto ranks = world.gather_strings(rank_json(grid, time, tracker).dump(), 0);
  if (world.rank() != 0) return 0;

  const Summary step = summarize(step_seconds);
  const int devices = world.size();
  const double tokens_per_s = static_cast<double>(model.batch_size) * model.seq_len / step.median;
  const double achieved_gflops = model.flops_per_token() * tokens_per_s / devices / 1e9;
  nlohmann::json rank_records = nlohmann::json::array();
  for (const auto& text : ranks) rank_records.push_back(nlohmann::json::parse(text));
  nlohmann::json layout_json = nlohmann::json::parse(layout.to_json());
  layout_json["micro_batch"] = layout.micro_batch_size(model);
  layout_json["micro_batches"] = layout.micro_batches(model);
  layout_json["partition"] = stage_partition(model, layout);
  const nlohmann::json record = {
      {"config", nlohmann::json::parse(model.to_json())},
      {"layout", layout_json},
      {"build", build_info()},
      {"threads_per_rank", flags_.threads},
      {"steps", {{"warmup", warmup_}, {"measured", steps_}}},
      {"step_s", {{"median", step.median}, {"min", step.min}, {"max", step.max}}},
      {"tokens_per_s", tokens_per_s},
      {"tokens_per_s_per_device", tokens_per_s / devices},
      {"model_flops_per_token", model.flops_per_token()},
      {"achieved_gflops_per_device", achieved_gflops},
      {"peak_gflops_per_device", peak},
      {"peak_source", peak_gflops_ > 0 ? "given" : "calibration gemm 1024^3"},
      {"mfu", achieved_gflops / peak},
      {"ranks", rank_records},
      {"loss", {{"first", losses.front()}, {"last", losses.back()}}}};
  std::printf("%s\n", record.dump().c_str());
  return 0;
}

}  // namespace

void register_bench_command(CLI::App& app, std::unique_ptr<Command>& chosen) {
  CLI::App* sub = app.add_subcommand("bench", "warm-up, measured steps, one JSON record");
  auto command = std::make_shared<std::unique_ptr<Command>>(std::make_unique<BenchCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
