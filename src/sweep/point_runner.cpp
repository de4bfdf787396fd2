#include "sweep/point_runner.h"

#include "core/child_process.h"
#include "core/clock.h"
#include "core/json_fields.h"
#include "record/failed_record.h"
#include "sweep/process.h"

namespace paratrain {

namespace {

SweepLabel sweep_label(const SweepPoint& point, const std::string& trace_path) {
  SweepLabel label;
  label.strategy = point.strategy.name;
  label.varied = point.varied;
  label.value = point.value;
  label.key = point.key();
  label.measurement_key = point.measurement_key();
  label.trace = trace_path;
  label.repeat = point.repeat;
  return label;
}

FailedRecord unmeasured(const SweepPoint& point) {
  FailedRecord failed;
  failed.config = point.model;
  failed.layout = point.layout;
  return failed;
}

// bench's record: the last line of its stdout.
nlohmann::json last_json_line(const std::string& out) {
  const auto end = out.find_last_not_of("\n\r ");
  if (end == std::string::npos) return nlohmann::json(nlohmann::json::value_t::discarded);
  const auto newline = out.rfind('\n', end);
  const size_t begin = newline == std::string::npos ? 0 : newline + 1;
  return nlohmann::json::parse(out.substr(begin, end + 1 - begin), nullptr, false);
}

// The record bench printed, or why there is none.
std::optional<RunRecord> bench_record(const ChildResult& result, std::string& problem) {
  if (result.exit_code != 0) return std::nullopt;
  const nlohmann::json line = last_json_line(result.out);
  if (line.is_discarded() || !line.is_object()) {
    problem = "bench exited 0 without printing its JSON record";
    return std::nullopt;
  }
  try {
    return run_record_from_json(line);
  } catch (const JsonFieldError& error) {
    problem = std::string("bench printed a malformed record: ") + error.what();
    return std::nullopt;
  }
}

}  // namespace

PointRecord run_point(const SweepPoint& point, const LaunchSettings& settings,
                      const std::string& recorded_trace, double timeout_s) {
  const double start = now_seconds();
  ChildResult result = run_child({launch_command(point, settings), "", timeout_s, false});
  if (result.timed_out) {
    result.err += "\nparatrain: sweep: the point ran past " + std::to_string(timeout_s) + " s and was stopped\n";
  }
  const double seconds = now_seconds() - start;
  std::string problem;
  if (std::optional<RunRecord> record = bench_record(result, problem)) {
    record->sweep = sweep_label(point, recorded_trace);
    record->sweep->seconds = seconds;
    record->hosts = host_label(point.hosts);
    return {PointStatus::kOk, to_json(*record)};
  }
  FailedRecord failed = unmeasured(point);
  failed.error = problem.empty() ? failure_line(result.err) : problem;
  if (failed.error.empty()) {
    failed.error = "exited with status " + std::to_string(result.exit_code) + " and said nothing";
  }
  failed.exit_code = result.exit_code;
  failed.sweep = sweep_label(point, "");
  failed.sweep->seconds = seconds;
  failed.hosts = host_label(point.hosts);
  return {PointStatus::kFailed, to_json(failed)};
}

PointRecord skipped_point(const SweepPoint& point) {
  // Stored as the failure bench would have reported (status "failed", exit
  // code 2, its refusal), marked "skipped": readers that know only ok and
  // failed (the report) list it with its reason instead of choking on it.
  FailedRecord skipped = unmeasured(point);
  skipped.skipped = true;
  skipped.reason = point.skip_reason;
  skipped.error = "not launched: " + point.skip_reason;
  skipped.exit_code = 2;
  skipped.sweep = sweep_label(point, "");
  skipped.hosts = host_label(point.hosts);
  return {PointStatus::kSkipped, to_json(skipped)};
}

PointRecord reused_point(const SweepPoint& point, const nlohmann::json& measured) {
  RunRecord record = run_record_from_json(measured);
  const SweepLabel original = record.sweep.value_or(SweepLabel{});
  record.sweep = sweep_label(point, original.trace);
  record.sweep->reused_from = original.key;
  record.hosts = host_label(point.hosts);
  return {PointStatus::kReused, to_json(record)};
}

}  // namespace paratrain
