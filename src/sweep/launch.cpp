#include "sweep/launch.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

namespace paratrain {

namespace {

std::string text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

// The shortest text that reads back as the same float: "0.1", not the
// 0.100000001 of its double widening.
std::string text(float value) {
  char buffer[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", digits, static_cast<double>(value));
    if (std::strtof(buffer, nullptr) == value) break;
  }
  return buffer;
}

}  // namespace

std::vector<std::string> bench_arguments(const SweepPoint& point, const LaunchSettings& settings) {
  const ModelConfig& model = point.model;
  const Layout& layout = point.layout;
  std::vector<std::string> args{
      settings.binary, "bench",
      "--vocab-size", std::to_string(model.vocab_size),
      "--seq-len", std::to_string(model.seq_len),
      "--d-model", std::to_string(model.d_model),
      "--n-heads", std::to_string(model.n_heads),
      "--n-layers", std::to_string(model.n_layers),
      "--ffn-mult", std::to_string(model.ffn_mult),
      "--dropout", text(model.dropout),
      "--batch-size", std::to_string(model.batch_size),
      "--dp", std::to_string(layout.grid.dp),
      "--pp", std::to_string(layout.grid.pp),
      "--tp", std::to_string(layout.grid.tp),
      "--micro-batch", std::to_string(layout.micro_batch),
      "--schedule", schedule_kind_name(layout.schedule),
      "--virtual-stages", std::to_string(layout.virtual_stages),
      "--warmup", std::to_string(point.warmup),
      "--steps", std::to_string(point.steps)};
  if (model.precision != Precision::kFp32) args.insert(args.end(), {"--precision", precision_name(model.precision)});
  if (model.recompute != Recompute::kNone) args.insert(args.end(), {"--recompute", recompute_name(model.recompute)});
  if (layout.sequence_parallel) args.push_back("--sequence-parallel");
  if (layout.zero != ZeroStage::kNone) {
    args.insert(args.end(), {"--zero", std::to_string(zero_stage_number(layout.zero))});
  }
  const double peak = model.precision == Precision::kBf16 ? settings.peak_gflops_bf16 : settings.peak_gflops;
  if (peak > 0) args.insert(args.end(), {"--peak-gflops", text(peak)});
  if (!settings.trace_path.empty()) args.insert(args.end(), {"--trace", settings.trace_path});
  if (!settings.cluster_path.empty()) args.insert(args.end(), {"--cluster", settings.cluster_path});
  return args;
}

std::vector<std::string> launch_command(const SweepPoint& point, const LaunchSettings& settings) {
  std::vector<std::string> bench = bench_arguments(point, settings);
  const int ranks = point.strategy.ranks();
  if (point.hosts.across_hosts()) return hosts_launch_command(bench, ranks, point.hosts);
  if (ranks == 1) return bench;
  std::vector<std::string> command{"mpirun"};
  if (geteuid() == 0) command.push_back("--allow-run-as-root");
  if (ranks > static_cast<int>(std::thread::hardware_concurrency())) command.push_back("--oversubscribe");
  command.insert(command.end(), {"-q", "-np", std::to_string(ranks)});
  command.insert(command.end(), bench.begin(), bench.end());
  return command;
}

}  // namespace paratrain
