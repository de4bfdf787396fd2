// Reads the results file line by line. A line that is not a record stops the
// report with the line's number, because a silently dropped point would make
// every figure and observation after it wrong without anyone noticing.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_fields.h"
#include "io/file_checks.h"
#include "record/strategy_name.h"
#include "report/host_runs.h"
#include "report/results.h"

namespace paratrain::report {

namespace {

using nlohmann::json;

std::string resolve_trace(const std::string& trace, const std::string& results_path) {
  namespace fs = std::filesystem;
  if (trace.empty() || fs::path(trace).is_absolute() || fs::exists(trace)) return trace;
  const fs::path beside = fs::path(results_path).parent_path() / trace;
  return fs::exists(beside) ? beside.string() : trace;
}

// The sweep's label, or one named from the layout for a lone bench record.
PointLabel label_of(const std::optional<SweepLabel>& sweep, const Layout& layout,
                    const std::string& path) {
  PointLabel point;
  point.strategy = sweep && !sweep->strategy.empty() ? sweep->strategy : strategy_name(layout);
  if (!sweep) return point;
  point.varied = sweep->varied;
  point.value = sweep->value;
  point.trace_path = resolve_trace(sweep->trace, path);
  return point;
}

MeasuredRun run_from(const json& record, const std::string& path) {
  MeasuredRun run;
  static_cast<RunRecord&>(run) = run_record_from_json(record);
  run.point = label_of(run.sweep, run.layout, path);
  return run;
}

FailedPoint failure_from(const json& record, const std::string& path) {
  const FailedRecord failed = failed_record_from_json(record);
  FailedPoint failure;
  failure.point = label_of(failed.sweep, failed.layout.value_or(Layout{}), path);
  failure.exit_code = failed.exit_code;
  failure.error = failed.error;
  return failure;
}

}  // namespace

const char* varied_name(const std::optional<SweepField>& varied) {
  return varied ? sweep_field_name(*varied) : "none";
}

Results read_results(const std::string& path) {
  std::ifstream in(path);
  if (std::filesystem::is_directory(path) || !in) {
    throw UsageError("cannot read results file '" + path + "'");
  }
  check_input_file(path, "results file", 4 * kGiB);  // not a device or FIFO, bounded
  Results results;
  results.path = path;
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_number) + ": ";
    json record;
    try {
      record = json::parse(line);
    } catch (const json::parse_error&) {
      throw UsageError(where + "not a JSON object (malformed line)");
    }
    if (!record.is_object()) throw UsageError(where + "not a JSON object (malformed line)");
    try {
      if (const auto machine = read_machine(record)) {
        // One line per sweep invocation's sample, in file order.
        if (std::find(results.machines.begin(), results.machines.end(), *machine) == results.machines.end()) {
          results.machines.push_back(*machine);
        }
      }
      if (is_failed_record(record)) {
        results.failures.push_back(failure_from(record, path));
        results.failures.back().line = line_number;
      } else {
        MeasuredRun run = run_from(record, path);
        run.line = line_number;
        (run.host_count() > 1 ? results.host_runs : results.runs).push_back(std::move(run));
      }
    } catch (const JsonFieldError& error) {
      throw UsageError(where + "malformed record: " + error.what());
    }
  }
  if (results.runs.empty() && results.failures.empty() && results.host_runs.empty()) {
    throw UsageError("results file '" + path + "' holds no records");
  }
  results.runs = fold_repeats(std::move(results.runs));
  results.host_runs = fold_repeats(std::move(results.host_runs));
  return results;
}

}  // namespace paratrain::report
