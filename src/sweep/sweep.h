#pragma once
// Runs a planned sweep: each point as its own job, each result appended to
// the results file the moment it lands, stored points skipped on a rerun.
#include <string>
#include <vector>

#include "sweep/sweep_point.h"

namespace paratrain {

struct SweepOptions {
  std::string results_path = "results/sweep.jsonl";
  std::string csv_path;     // empty: no CSV
  std::string traces_dir;   // empty: no traces
  std::string binary;       // the paratrain executable the points run
  double peak_gflops = 0;   // 0: calibrate once here and give every point the same peak
  std::string cluster_path; // the planner's description for every point's prediction; empty: each measures
  // A hung point must not hang the sweep: it is stopped and recorded as failed.
  double point_timeout_s = 3600;  // 0: none
};

struct SweepSummary {
  int planned = 0, stored = 0, ok = 0, reused = 0, failed = 0, skipped = 0;
  std::string text() const;  // one line for stderr
};

// Test aid: PARATRAIN_SWEEP_EXIT_AFTER=K makes the sweep exit abruptly
// (status 137, as if killed) after appending K records, to test resuming.
SweepSummary run_sweep(const std::vector<SweepPoint>& points, const SweepOptions& options);

}  // namespace paratrain
