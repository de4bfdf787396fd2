#include "sweep/point_runner.h"

#include "core/clock.h"
#include "sweep/process.h"

namespace paratrain {

namespace {

nlohmann::json sweep_block(const SweepPoint& point, const std::string& trace_path) {
  nlohmann::json block = point.sweep_json();
  block["trace"] = trace_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(trace_path);
  block["measurement_key"] = point.measurement_key();
  return block;
}

nlohmann::json unmeasured(const SweepPoint& point, PointStatus status) {
  nlohmann::json layout = nlohmann::json::parse(point.layout.to_json());
  return {{"status", point_status_name(status)},
          {"config", nlohmann::json::parse(point.model.to_json())},
          {"layout", layout}};
}

// bench's record: the last line of its stdout.
nlohmann::json last_json_line(const std::string& out) {
  const auto end = out.find_last_not_of("\n\r ");
  if (end == std::string::npos) return nlohmann::json(nlohmann::json::value_t::discarded);
  const auto newline = out.rfind('\n', end);
  const size_t begin = newline == std::string::npos ? 0 : newline + 1;
  return nlohmann::json::parse(out.substr(begin, end + 1 - begin), nullptr, false);
}

}  // namespace

PointRecord run_point(const SweepPoint& point, const LaunchSettings& settings,
                      const std::string& recorded_trace, double timeout_s) {
  const double start = now_seconds();
  const ProcessResult result = run_process(launch_command(point, settings), timeout_s);
  const double seconds = now_seconds() - start;
  nlohmann::json record = result.exit_code == 0 ? last_json_line(result.out) : nlohmann::json();
  const bool ok = result.exit_code == 0 && !record.is_discarded() && record.is_object() &&
                  record.contains("tokens_per_s");
  if (ok) {
    record["status"] = point_status_name(PointStatus::kOk);
    record["sweep"] = sweep_block(point, recorded_trace);
    record["sweep"]["seconds"] = seconds;
    add_host_fields(record, point.hosts);
    return {PointStatus::kOk, std::move(record)};
  }
  nlohmann::json failed = unmeasured(point, PointStatus::kFailed);
  std::string error = failure_line(result.err);
  if (result.exit_code == 0) error = "bench exited 0 without printing its JSON record";
  if (error.empty()) error = "exited with status " + std::to_string(result.exit_code) + " and said nothing";
  failed["error"] = error;
  failed["exit_code"] = result.exit_code;
  failed["sweep"] = sweep_block(point, "");
  failed["sweep"]["seconds"] = seconds;
  add_host_fields(failed, point.hosts);
  return {PointStatus::kFailed, std::move(failed)};
}

PointRecord skipped_point(const SweepPoint& point) {
  // Stored as the failure bench would have reported (status "failed", exit
  // code 2, its refusal), marked "skipped": readers that know only ok and
  // failed (the report) list it with its reason instead of choking on it.
  nlohmann::json skipped = unmeasured(point, PointStatus::kFailed);
  skipped["skipped"] = true;
  skipped["reason"] = point.skip_reason;
  skipped["error"] = "not launched: " + point.skip_reason;
  skipped["exit_code"] = 2;
  skipped["sweep"] = sweep_block(point, "");
  add_host_fields(skipped, point.hosts);
  return {PointStatus::kSkipped, std::move(skipped)};
}

PointRecord reused_point(const SweepPoint& point, const nlohmann::json& measured) {
  nlohmann::json record = measured;
  const nlohmann::json& original = measured["sweep"];
  record["sweep"] = sweep_block(point, original.value("trace", std::string()));
  record["sweep"]["reused_from"] = original.value("key", std::string());
  add_host_fields(record, point.hosts);
  return {PointStatus::kReused, std::move(record)};
}

}  // namespace paratrain
