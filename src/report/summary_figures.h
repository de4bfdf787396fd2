#pragma once
// Figures the seed report lacked: memory per device by category, MFU per
// strategy, measured bubble against the model, and the pipeline timelines.
#include <string>

#include "report/figures.h"
#include "report/results.h"

namespace paratrain::report {

FigurePlan memory_figure(const Results& results);
// The memory figures' bars: the categories as stacks, and one bar of a run's
// largest rank (each category's peak in MiB; the rank's total peak above it).
void set_memory_stacks(BarFigure& figure);
void add_memory_bar(BarFigure& figure, const std::string& label, const MeasuredRun& run);
FigurePlan mfu_figure(const Results& results);
FigurePlan bubble_figure(const Results& results);
FigurePlan timeline_figure(const Results& results);

// The bubble fraction of a pipeline with p stages, m micro-batches and v
// chunks per rank: (p-1) / (v·m + p-1), the idle share of each rank's step.
double model_bubble(int stages, int micro_batches, int virtual_stages);

}  // namespace paratrain::report
