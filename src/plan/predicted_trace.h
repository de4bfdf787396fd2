#pragma once
// `paratrain plan --explain`: the predicted step as a Chrome trace, in the
// format a measured `--trace` writes (metrics/trace.h), one row per pipeline
// stage (its dp 0, tp 0 rank), so the two open side by side.
#include <string>

#include "plan/step_prediction.h"

namespace paratrain {

// One Timeline per pipeline stage: forwards, backwards and blocked receives
// from the replayed lists, then the exposed gradient sync, the optimizer and
// the wait for the slowest rank.
std::vector<Timeline> predicted_timelines(const PlanTarget& target, const StepPrediction& prediction);

void write_predicted_trace(const std::string& path, const PlanTarget& target,
                           const StepPrediction& prediction);

}  // namespace paratrain
