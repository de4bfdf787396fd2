#pragma once
// One measured step of a run, read back from its Chrome trace: the boxes each
// rank drew, so the report can show a schedule as rows of coloured boxes.
#include <string>
#include <vector>

#include "metrics/timeline.h"

namespace paratrain::report {

struct TraceBox {
  int rank = 0;
  double start_ms = 0.0;  // since the step's first event on any rank
  double end_ms = 0.0;
  EventKind kind = EventKind::kOther;  // a trace category no kind has is "other"
  int micro_batch = -1;  // -1: not tied to a micro-batch (optimizer, all-reduce)
};

struct StepTimeline {
  int step = 0;
  int ranks = 0;
  double span_ms = 0.0;
  std::vector<TraceBox> boxes;
};

// Reads the trace and keeps the step whose span is the median of the steps'
// spans, so the picture is a typical step rather than the slowest one.
// Throws std::runtime_error when the file cannot be read or holds no step.
StepTimeline read_median_step(const std::string& trace_path);

}  // namespace paratrain::report
