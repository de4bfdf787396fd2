#pragma once
// The seed report's figures (1)-(7): throughput, per-device throughput and
// utilization against batch size, sequence length, layers and micro-batch size.
#include <vector>

#include "report/figures.h"
#include "report/results.h"

namespace paratrain::report {

std::vector<FigurePlan> sweep_figures(const Results& results);

// "batch size (sequences per step)" and the like: the axis label with its unit.
const char* axis_label(SweepField axis);
const char* axis_noun(SweepField axis);  // "batch size", for headings

}  // namespace paratrain::report
