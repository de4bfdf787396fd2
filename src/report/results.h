#pragma once
// The results a sweep leaves behind (JSON lines of run records, record/),
// read once into typed values so that nothing past the reader looks at JSON.
#include <optional>
#include <string>
#include <vector>

#include "record/failed_record.h"
#include "record/run_record.h"

namespace paratrain::report {

// What the report calls a point: a strategy at a value of the field it varies.
struct PointLabel {
  std::string strategy;  // the sweep's label; for a lone bench record, named from its layout
  std::optional<SweepField> varied;  // empty: a base point or a lone bench record
  double value = 0.0;
  std::string trace_path;  // resolved against the results file; empty when absent
};

// A run record with where it sits in the file.
struct MeasuredRun : RunRecord {
  int line = 0;  // 1-based line in the results file
  PointLabel point;
};

struct FailedPoint {
  int line = 0;
  PointLabel point;
  int exit_code = 0;
  std::string error;
};

struct Results {
  std::string path;
  std::vector<MeasuredRun> runs;
  std::vector<FailedPoint> failures;
  // Runs across namespace hosts, kept apart so that the local figures compare
  // like with like; drawn against link rate (report/host_runs.h).
  std::vector<MeasuredRun> host_runs;
};

// "batch_size", ...; "none" for a point that varies nothing.
const char* varied_name(const std::optional<SweepField>& varied);

// Reads a results file; throws UsageError naming the file (and the line) when
// it cannot be opened or a line is not a record.
Results read_results(const std::string& path);

}  // namespace paratrain::report
