#pragma once
// Turns one sweep point into its record: launches bench, or says why not.
#include <nlohmann/json.hpp>
#include <string>

#include "sweep/launch.h"
#include "sweep/point_status.h"
#include "sweep/sweep_point.h"

namespace paratrain {

struct PointRecord {
  PointStatus status = PointStatus::kOk;
  nlohmann::json record;
};

// Runs bench for the point. Success: bench's record plus "status": "ok" and
// the "sweep" block. Failure: {"status": "failed", "error": the last stderr
// line, "exit_code", "sweep", "config", "layout"}.
// `recorded_trace` is the trace's path as the record gives it (relative to the
// results file's folder, so the folder can move).
PointRecord run_point(const SweepPoint& point, const LaunchSettings& settings,
                      const std::string& recorded_trace, double timeout_s);

// {"status": "failed", "skipped": true, "reason", "error", "exit_code": 2,
// "sweep", "config", "layout"}: never launched.
PointRecord skipped_point(const SweepPoint& point);

// A stored measurement of the same configuration, relabelled for this point.
PointRecord reused_point(const SweepPoint& point, const nlohmann::json& measured);

}  // namespace paratrain
