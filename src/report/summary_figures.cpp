// Memory and MFU: one bar per strategy, all at the reference config.
#include "report/summary_figures.h"

#include "report/run_selection.h"

namespace paratrain::report {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace

void set_memory_stacks(BarFigure& figure) {
  figure.y_label = "peak tracked memory (MiB)";
  for (int category = 0; category < kMemoryCategoryCount; ++category) {
    const auto kind = static_cast<MemoryCategory>(category);
    figure.stacks.push_back(kind == MemoryCategory::kOptimizer ? "optimizer state" : memory_category_name(kind));
  }
}

void add_memory_bar(BarFigure& figure, const std::string& label, const MeasuredRun& run) {
  const MemoryPeaks& peak = largest_memory_rank(run).peak;
  figure.bars.push_back(label);
  std::vector<double> mib;
  for (int category = 0; category < kMemoryCategoryCount; ++category) mib.push_back(peak.by_category[category] / kMiB);
  figure.values.push_back(mib);
  figure.totals.push_back(peak.total / kMiB);
}

FigurePlan memory_figure(const Results& results) {
  FigurePlan plan;
  plan.stem = "memory_by_category";
  plan.heading = "Peak memory per device by category";
  const ReferencePoint reference = reference_point(results);
  if (reference.runs.empty()) {
    plan.skip_reason = "no successful run";
    return plan;
  }
  BarFigure figure;
  figure.title = plan.heading + " (" + describe(reference.config) + ")";
  set_memory_stacks(figure);
  std::string ranks;
  for (const MeasuredRun* run : reference.runs) {
    add_memory_bar(figure, run->point.strategy, *run);
    ranks += (ranks.empty() ? "" : ", ") + run->point.strategy + " rank " +
             std::to_string(largest_memory_rank(*run).rank);
  }
  plan.note =
      "Config " + describe(reference.config) +
      "; each bar is the rank with the largest total peak (" + ranks +
      "). The number above a bar is the rank's total peak; each category is its own peak, so a "
      "stack may exceed it.";
  plan.data = figure;
  return plan;
}

FigurePlan mfu_figure(const Results& results) {
  FigurePlan plan;
  plan.stem = "mfu_per_strategy";
  plan.heading = "Model FLOPs utilization per strategy";
  const ReferencePoint reference = reference_point(results);
  BarFigure figure;
  figure.title = plan.heading + " (" + describe(reference.config) + ")";
  figure.y_label = "MFU (% of the device's peak FLOP/s)";
  figure.stacks = {"MFU"};
  bool repeated = false;
  for (const MeasuredRun* run : reference.runs) {
    if (!run->mfu) continue;
    figure.bars.push_back(run->point.strategy);
    const double mfu = 100.0 * *run->mfu;
    figure.values.push_back({mfu});
    // MFU is tokens/s times a constant of the config and the peak: its spread is tokens/s's.
    const double scale = run->tokens_per_s > 0 ? mfu / run->tokens_per_s : 0.0;
    figure.ranges.emplace_back(scale * run->tokens_spread.low, scale * run->tokens_spread.high);
    repeated = repeated || run->repeats > 1;
  }
  if (!repeated) figure.ranges.clear();
  if (figure.bars.empty()) {
    plan.skip_reason = reference.runs.empty() ? "no successful run" : "the records carry no mfu";
    return plan;
  }
  plan.note = "Config " + describe(reference.config) +
              "; MFU = model FLOPs per second per device / the device's peak; median over repeats, "
              "error bars min to max.";
  plan.data = figure;
  return plan;
}

}  // namespace paratrain::report
