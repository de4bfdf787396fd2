// paratrain bench: warm-up steps, then measured steps; rank 0 prints one JSON
// record (DESIGN.md's run record) as the last line.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/build_info.h"
#include "cli/command.h"
#include "cli/common_flags.h"
#include "cli/fault_injection.h"
#include "cli/memory_refusal.h"
#include "cli/plan_flags.h"
#include "cli/run_output.h"
#include "cli/run_setup.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/memory.h"
#include "io/output_file.h"
#include "metrics/calibration.h"
#include "metrics/run_measures.h"
#include "metrics/stats.h"
#include "metrics/timeline.h"
#include "parallel/memory_plan.h"
#include "parallel/trainer.h"
#include "plan/run_prediction.h"
#include "record/run_record.h"

namespace paratrain {

namespace {

// This rank's part of the record, from its timeline over the measured steps.
RankRecord rank_record(const ProcessGrid& grid, const TimeBreakdown& time, const MemoryTracker& tracker,
                       int64_t weights_run_early) {
  RankRecord rank;
  rank.weights_run_early = weights_run_early;
  rank.rank = grid.world_rank();
  rank.coord = grid.coord();
  const RankShares shares = rank_shares(time);
  rank.utilization = shares.utilization;
  rank.bubble = shares.bubble;
  rank.exposed_comm = shares.exposed_comm;
  std::copy(std::begin(time.by_kind), std::end(time.by_kind), rank.seconds.begin());
  rank.wall_seconds = time.wall;
  rank.peak = MemoryPeaks::of(tracker);
  rank.peak_rss_bytes = static_cast<int64_t>(peak_rss_bytes());
  return rank;
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
    add_cluster_flag(sub, plan_flags_);
  }

  void prepare(int world_size) override {
    data_ = prepare_run(flags_, world_size);
    if (warmup_ < 0) throw UsageError("--warmup must be >= 0");
    if (steps_ < 1) throw UsageError("--steps must be at least 1");
    if (peak_gflops_ < 0) throw UsageError("--peak-gflops must be positive");
    if (!trace_path_.empty()) check_output_path(trace_path_, "--trace");
    // A given description is read (and refused) here; without one, run()
    // measures this machine after the memory check, so a run refused for
    // memory ends at once.
    if (!plan_flags_.cluster_path.empty()) {
      plan_setting_ = resolve_plan_target(plan_flags_, flags_.train.model.precision);
    }
  }

  int run(const Communicator& world) override;

 private:
  CommonFlags flags_;
  int warmup_ = 2, steps_ = 5;
  double peak_gflops_ = 0;  // 0: measure
  std::string trace_path_;
  PlanTargetFlags plan_flags_;
  PlanSetting plan_setting_;
  std::unique_ptr<TokenSource> data_;
};

int BenchCommand::run(const Communicator& world) {
  const ModelConfig& model = flags_.train.model;
  Layout layout = flags_.layout.layout;  // the partition is settled below
  ProcessGrid grid(layout.grid, world);
    if (world.rank() == 0) announce_precision(model);
    // Before any allocation: a run that cannot fit is refused, not OOM-killed.
    const MemoryCheck memory = settle_run(flags_, grid, *data_, layout);
    if (memory.refusal) {
      if (world.rank() == 0) print_memory_refusal(*memory.refusal, flags_.train, world.size());
      return 2;
    }
    // Every rank at once: a default description measures this machine as training shares it.
    if (plan_flags_.cluster_path.empty()) plan_setting_ = resolve_plan_target(plan_flags_, model.precision);
    // Every rank calibrates at once (they share the machine as they will in
    // training), in the run's precision, on the model's own GEMM shapes.
    Calibration calibration{peak_gflops_, "given"};
    if (peak_gflops_ <= 0) {
      calibration = calibrate_peak(model, layout.micro_batch_size(model) * model.seq_len);
    }
    double peak = calibration.gflops;
  world.all_reduce_max(&peak, 1);
  MemoryTracker tracker;
  Timeline timeline;
  Trainer trainer(flags_.train, layout, grid, *data_, tracker, timeline);

  std::vector<double> step_seconds, losses;
  double measured_begin = 0;
  int64_t early_before = 0;  // W's run early in the warm-up steps
  for (int step_idx = 0; step_idx < warmup_ + steps_; ++step_idx) {
    if (step_idx == warmup_) {
      world.barrier();
      timeline.clear();
      measured_begin = now_seconds();
      early_before = trainer.weights_run_early();
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
  const int64_t early = trainer.weights_run_early() - early_before;
  const auto ranks = world.gather_strings(to_json(rank_record(grid, time, tracker, early)).dump(), 0);
  if (world.rank() != 0) return 0;

  RunRecord record;
  record.config = model;
  record.layout = layout;
  record.layout.micro_batch = layout.micro_batch_size(model);  // as resolved for the run
  record.layout.partition = stage_partition(model, layout);
  record.build = build_info();
  record.build.gemm_path = gemm_path(model.precision);
  record.threads_per_rank = flags_.threads;
  record.warmup_steps = warmup_;
  record.measured_steps = steps_;
  record.step_s = summarize(step_seconds);
  const Throughput rates = throughput(static_cast<double>(model.batch_size) * model.seq_len,
                                      record.step_s.median, world.size(), model.flops_per_token(), peak);
  record.tokens_per_s = rates.tokens_per_s;
  record.tokens_per_s_per_device = rates.tokens_per_s_per_device;
  record.model_flops_per_token = model.flops_per_token();
  record.achieved_gflops_per_device = rates.achieved_gflops_per_device;
  record.peak_gflops_per_device = peak;
  record.peak_source = calibration.source;  // rank 0's winning shape; the peak is the ranks' max
  record.mfu = rates.mfu;
  for (const auto& text : ranks) record.ranks.push_back(rank_record_from_json(nlohmann::json::parse(text)));
  record.loss_first = losses.front();
  record.loss_last = losses.back();
  record.predicted = predict_run({flags_.train, layout, plan_setting_.precision, plan_setting_.cluster});
  std::printf("%s\n", to_json(record).dump().c_str());
  return 0;
}

}  // namespace

void register_bench_command(CLI::App& app, std::unique_ptr<Command>& chosen) {
  CLI::App* sub = app.add_subcommand("bench", "warm-up, measured steps, one JSON record");
  auto command = std::make_shared<std::unique_ptr<Command>>(std::make_unique<BenchCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
