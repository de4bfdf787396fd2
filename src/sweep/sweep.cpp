#include "sweep/sweep.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/clock.h"
#include "core/cores.h"
#include "kernels/gemm.h"
#include "metrics/calibration.h"
#include "record/machine_record.h"
#include "sweep/csv_export.h"
#include "sweep/host_cluster.h"
#include "sweep/host_launch.h"
#include "sweep/point_runner.h"
#include "sweep/progress.h"
#include "sweep/result_store.h"

namespace paratrain {

namespace {

int exit_after_from_env() {
  const char* text = std::getenv("PARATRAIN_SWEEP_EXIT_AFTER");
  return text == nullptr ? -1 : std::atoi(text);
}

void count(SweepSummary& summary, PointStatus status) {
  switch (status) {
    case PointStatus::kOk: ++summary.ok; break;
    case PointStatus::kFailed: ++summary.failed; break;
    case PointStatus::kSkipped: ++summary.skipped; break;
    case PointStatus::kReused: ++summary.reused; break;
  }
}

// One peak per precision for all points, measured here with the one thread
// each rank uses, so MFU compares across points instead of tracking each
// run's contention: the best of the largest model's GEMM shapes and a 1024^3
// square (metrics/calibration.h), so that MFU stays <= 1. 0 when no point
// runs in `precision`.
double resolve_peak(const SweepOptions& options, const std::vector<SweepPoint>& points,
                    Precision precision) {
  if (options.peak_gflops > 0) return options.peak_gflops;
  const SweepPoint* largest = nullptr;
  for (const SweepPoint& point : points) {
    if (point.model.precision != precision) continue;
    if (largest == nullptr || point.model.flops_per_token() > largest->model.flops_per_token()) largest = &point;
  }
  if (largest == nullptr) return 0;
  kernels::gemm_set_threads(1);
  const int rows = largest->layout.micro_batch_size(largest->model) * largest->model.seq_len;
  const Calibration peak = calibrate_peak(largest->model, rows);
  std::fprintf(stderr, "paratrain sweep: calibrated %s peak %.1f GFLOP/s per device (one thread; %s)\n",
               precision_name(precision), peak.gflops, peak.source.c_str());
  return peak.gflops;
}

std::string point_label(const SweepPoint& point) {
  const std::string repeat = point.repeat > 0 ? " #" + std::to_string(point.repeat + 1) : "";
  if (!point.varied) return point.strategy.name + " base" + repeat;
  return point.strategy.name + " " + sweep_field_name(*point.varied) + "=" +
         format_field_value(*point.varied, point.value) + repeat;
}

// Samples the machine for its records, and warns when other processes
// already keep its cores busy: every number measured after this would move.
nlohmann::json sample_and_warn() {
  const MachineRecord machine = sample_machine(0.5);
  if (machine.busy_cores >= kBusyCoreWarning) {
    std::fprintf(stderr,
                 "paratrain sweep: warning: other processes keep %.1f of %d cores busy (load %.2f); "
                 "the measurements will be noisier\n",
                 machine.busy_cores, machine.cores, machine.load_1min);
  }
  return to_json(machine);
}

PointRecord record_point(const SweepPoint& point, const ResultStore& store, LaunchSettings settings,
                         const SweepOptions& options, HostSession& hosts) {
  if (!point.skip_reason.empty()) return skipped_point(point);
  if (const nlohmann::json* measured = store.find_measurement(point.measurement_key())) {
    return reused_point(point, *measured);
  }
  std::string recorded_trace;
  if (!options.traces_dir.empty()) {
    namespace fs = std::filesystem;
    const fs::path trace = fs::path(options.traces_dir) / point.trace_file_name();
    settings.trace_path = trace.string();
    const fs::path results_folder = fs::absolute(options.results_path).parent_path();
    recorded_trace = fs::absolute(trace).lexically_relative(results_folder).string();
  }
  hosts.prepare(point.hosts);  // namespace hosts up, links at the point's rate (no-op when local)
  if (point.hosts.across_hosts() && !settings.cluster_path.empty()) {
    // Predicted over the shaped link, not this machine's shared memory.
    namespace fs = std::filesystem;
    settings.cluster_path = write_host_cluster(settings.cluster_path, point.hosts, point.layout.grid.world(),
                                               usable_cores(), fs::absolute(options.results_path).parent_path().string());
  }
  return run_point(point, settings, recorded_trace, options.point_timeout_s);
}

// Points of this invocation that will start a bench: not stored, not skipped,
// and not the same measurement as a stored or earlier point.
int expected_launches(const std::vector<SweepPoint>& points, const ResultStore& store) {
  std::set<std::string> measured;
  int launches = 0;
  for (const SweepPoint& point : points) {
    if (store.contains(point.key()) || !point.skip_reason.empty()) continue;
    const std::string measurement = point.measurement_key();
    if (store.find_measurement(measurement) != nullptr || !measured.insert(measurement).second) continue;
    ++launches;
  }
  return launches;
}

std::string detail_of(const PointRecord& result) {
  if (result.status == PointStatus::kFailed) return result.record.value("error", std::string());
  if (result.status == PointStatus::kSkipped) return result.record.value("reason", std::string());
  return "";
}

}  // namespace

std::string SweepSummary::text() const {
  char line[256];
  std::snprintf(line, sizeof(line),
                "paratrain sweep: %d points: %d already stored, %d measured, %d reused, %d failed, "
                "%d skipped",
                planned, stored, ok, reused, failed, skipped);
  return line;
}

SweepSummary run_sweep(const std::vector<SweepPoint>& points, const SweepOptions& options) {
  ResultStore store(options.results_path);
  SweepSummary summary;
  summary.planned = static_cast<int>(points.size());
  for (const SweepPoint& point : points) summary.stored += store.contains(point.key()) ? 1 : 0;
  if (!options.traces_dir.empty()) std::filesystem::create_directories(options.traces_dir);
  LaunchSettings settings;
  settings.binary = options.binary;
  settings.cluster_path = options.cluster_path;
  nlohmann::json machine;  // the machine at the start, stored in every record appended
  if (summary.stored < summary.planned) {
    machine = sample_and_warn();
    settings.peak_gflops = resolve_peak(options, points, Precision::kFp32);
    settings.peak_gflops_bf16 = resolve_peak(options, points, Precision::kBf16);
  }
  const int exit_after = exit_after_from_env();
  int appended = 0;
  Progress progress(summary.planned - summary.stored, expected_launches(points, store));
  HostSession hosts;  // brought up by the first point across hosts, down at the end
  for (const SweepPoint& point : points) {
    if (store.contains(point.key())) continue;
    const std::string label = point_label(point);
    progress.start_point(label);
    const double start = now_seconds();
    PointRecord result = record_point(point, store, settings, options, hosts);
    const std::string detail = detail_of(result);
    result.record["machine"] = machine;
    store.append(std::move(result.record), point.key(), point.measurement_key());
    count(summary, result.status);
    progress.finish_point(label, result.status, now_seconds() - start, detail);
    if (++appended == exit_after) std::_Exit(137);
  }
  progress.finish(summary.text());
  if (!options.csv_path.empty()) write_csv(store.records(), options.csv_path);
  return summary;
}

}  // namespace paratrain
