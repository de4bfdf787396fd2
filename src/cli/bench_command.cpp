// paratrain bench: warm-up steps, then measured steps; one JSON record last.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/build_info.h"
#include "cli/commands.h"
#include "cli/common_flags.h"
#include "core/error.h"
#include "core/memory.h"
#include "metrics/calibration.h"
#include "metrics/stats.h"
#include "metrics/timeline.h"
#include "parallel/trainer.h"

namespace paratrain {

namespace {

struct BenchFlags {
  CommonFlags common;
  int warmup = 2;
  int steps = 5;
  double peak_gflops = 0;  // 0: measure with the calibration GEMM
};

nlohmann::json memory_json(const MemoryTracker& tracker) {
  nlohmann::json out;
  for (int cat = 0; cat < kMemoryCategoryCount; ++cat) {
    const auto category = static_cast<MemoryCategory>(cat);
    out[memory_category_name(category)] = tracker.peak_bytes(category);
  }
  out["total"] = tracker.peak_total();
  return out;
}

int run_bench(const BenchFlags& flags) {
  auto data = prepare_run(flags.common);
  if (flags.warmup < 0) throw UsageError("--warmup must be >= 0");
  if (flags.steps < 1) throw UsageError("--steps must be at least 1");
  if (flags.peak_gflops < 0) throw UsageError("--peak-gflops must be positive");
  const ModelConfig& model = flags.common.train.model;
  const double peak = flags.peak_gflops > 0 ? flags.peak_gflops : calibrate_peak_gflops();
  MemoryTracker tracker;
  Timeline timeline;
  Trainer trainer(flags.common.train, *data, tracker, timeline);

  std::vector<double> step_seconds, losses;
  double measured_begin = 0, measured_end = 0;
  for (int step_idx = 0; step_idx < flags.warmup + flags.steps; ++step_idx) {
    if (step_idx == flags.warmup) timeline.clear();
    const StepResult result = trainer.train_step();
    losses.push_back(result.loss);
    std::fprintf(stderr, "%s step %u | loss %.4f | time %.3f s\n",
                 step_idx < flags.warmup ? "warmup" : "bench", result.step, result.loss,
                 result.seconds);
    if (step_idx >= flags.warmup) step_seconds.push_back(result.seconds);
  }
  measured_begin = timeline.events().front().begin;
  measured_end = timeline.events().back().end;
  const TimeBreakdown time = timeline.breakdown(measured_begin, measured_end);

  const Summary step = summarize(step_seconds);
  const int devices = 1;
  const double tokens_per_s = static_cast<double>(model.batch_size) * model.seq_len / step.median;
  const double achieved_gflops = model.flops_per_token() * tokens_per_s / devices / 1e9;
  nlohmann::json record = {
      {"config", nlohmann::json::parse(model.to_json())},
      {"layout", {{"dp", 1}, {"pp", 1}, {"tp", 1},
                  {"micro_batch", flags.common.train.micro_batch > 0 ? flags.common.train.micro_batch
                                                                     : model.batch_size},
                  {"schedule", "1f1b"}}},
      {"build", build_info()},
      {"threads_per_rank", flags.common.threads},
      {"steps", {{"warmup", flags.warmup}, {"measured", flags.steps}}},
      {"step_s", {{"median", step.median}, {"min", step.min}, {"max", step.max}}},
      {"tokens_per_s", tokens_per_s},
      {"tokens_per_s_per_device", tokens_per_s / devices},
      {"model_flops_per_token", model.flops_per_token()},
      {"achieved_gflops_per_device", achieved_gflops},
      {"peak_gflops_per_device", peak},
      {"peak_source", flags.peak_gflops > 0 ? "given" : "calibration gemm 1024^3"},
      {"mfu", achieved_gflops / peak},
      {"ranks", nlohmann::json::array({{{"rank", 0},
                                        {"coord", {{"dp", 0}, {"pp", 0}, {"tp", 0}}},
                                        {"utilization", time.utilization()},
                                        {"bubble", 0.0},
                                        {"exposed_comm", time.communication() / time.wall},
                                        {"peak_bytes", memory_json(tracker)},
                                        {"peak_rss_bytes", peak_rss_bytes()}}})},
      {"loss", {{"first", losses.front()}, {"last", losses.back()}}}};
  std::printf("%s\n", record.dump().c_str());
  return 0;
}

}  // namespace

void register_bench_command(CLI::App& app, std::function<int()>& action) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* sub = app.add_subcommand("bench", "warm-up, measured steps, one JSON record");
  add_model_flags(*sub, flags->common);
  add_run_flags(*sub, flags->common);
  sub->add_option("--warmup", flags->warmup, "untimed steps first")->capture_default_str();
  sub->add_option("--steps", flags->steps, "measured steps")->capture_default_str();
  sub->add_option("--peak-gflops", flags->peak_gflops,
                  "device peak for MFU (default: measured by a calibration GEMM)");
  sub->callback([flags, &action] { action = [flags] { return run_bench(*flags); }; });
}

}  // namespace paratrain
