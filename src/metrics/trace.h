#pragma once
// Chrome trace (chrome://tracing, Perfetto) of the ranks' timelines: one row
// per rank, one box per event, so a pipeline schedule shows as a picture.
#include <string>
#include <vector>

#include "metrics/timeline.h"

namespace paratrain {

// This rank's events as trace-event JSON objects joined by commas, times in
// microseconds since `origin` (a moment all ranks agree on, e.g. after a barrier).
std::string trace_events(const Timeline& timeline, int rank, const std::string& rank_label,
                         double origin);

// Writes {"traceEvents": [...]} from every rank's trace_events() text.
void write_trace(const std::string& path, const std::vector<std::string>& per_rank_events);

}  // namespace paratrain
