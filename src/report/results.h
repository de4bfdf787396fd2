#pragma once
// The results a sweep leaves behind (JSON lines of run records, record/),
// read once into typed values so that nothing past the reader looks at JSON.
#include <optional>
#include <string>
#include <vector>

#include "record/failed_record.h"
#include "record/machine_record.h"
#include "record/run_record.h"

namespace paratrain::report {

// What the report calls a point: a strategy at a value of the field it varies.
struct PointLabel {
  std::string strategy;  // the sweep's label; for a lone bench record, named from its layout
  std::optional<SweepField> varied;  // empty: a base point or a lone bench record
  double value = 0.0;
  std::string trace_path;  // resolved against the results file; empty when absent
};

// The range of a figure over a point's repeats: min and max (both the value
// itself for a single repeat). With 3 repeats an interval from quantiles
// would be the same min and max; min-max also says plainly what was seen.
struct Spread {
  double low = 0.0, high = 0.0;
  double width() const { return high - low; }
};

// One point of the results: its repeats (sweep --repeats) folded into one run
// whose throughput, step time, GFLOP/s, MFU and per-rank utilization, bubble
// and exposed communication are the medians over the repeats; memory and the
// rest come from the median repeat (by tokens/s). A single record is a point
// with one repeat.
struct MeasuredRun : RunRecord {
  int line = 0;  // 1-based line of the point's first repeat in the results file
  std::vector<int> lines;  // every repeat's line, in file order
  PointLabel point;
  int repeats = 1;
  Spread tokens_spread, per_device_spread, step_spread;  // over tokens_per_s, .._per_device, step_s.median
  std::vector<double> repeat_tokens;  // tokens/s of each repeat, in file order
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
  // The machine at the start of each sweep invocation that wrote the records (distinct samples).
  std::vector<MachineRecord> machines;
};

// Folds the records of each point's repeats into one MeasuredRun (medians and
// spreads, see MeasuredRun), keeping the order of first appearance. Records
// are the same point when their sweep keys agree but for the repeat; a record
// without a sweep key is a point of its own.
std::vector<MeasuredRun> fold_repeats(std::vector<MeasuredRun> records);
double median_of(std::vector<double> values);

// "batch_size", ...; "none" for a point that varies nothing.
const char* varied_name(const std::optional<SweepField>& varied);

// Reads a results file; throws UsageError naming the file (and the line) when
// it cannot be opened or a line is not a record.
Results read_results(const std::string& path);

}  // namespace paratrain::report
