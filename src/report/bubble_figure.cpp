// Measured bubble against the schedule's model, over the micro-batch sweep:
// one measured curve per strategy, one model curve per pipeline shape (p, v).
#include <algorithm>
#include <set>
#include <utility>

#include "report/run_selection.h"
#include "report/summary_figures.h"

namespace paratrain::report {

namespace {

Series model_series(int stages, int virtual_stages, int first_m, int last_m) {
  std::string title = "model, p=" + std::to_string(stages);
  if (virtual_stages > 1) title += ", v=" + std::to_string(virtual_stages);
  Series model{title, kNeutralColor, Dash::dashed, YAxis::left, {}};
  for (int m = first_m; m <= last_m; ++m) {
    model.points.push_back({double(m), 100.0 * model_bubble(stages, m, virtual_stages)});
  }
  return model;
}

}  // namespace

double model_bubble(int stages, int micro_batches, int virtual_stages) {
  const double idle = stages - 1;
  return idle / (static_cast<double>(std::max(1, virtual_stages)) * micro_batches + idle);
}

FigurePlan bubble_figure(const Results& results) {
  FigurePlan plan;
  plan.stem = "bubble_vs_model";
  plan.heading = "Measured pipeline bubble against the model (p-1)/(m+p-1)";
  LineFigure figure{
      plan.heading, "micro-batches per step, m", "bubble (% of step wall time)", "", false, {}};
  std::set<std::pair<int, int>> shapes;  // (p, v) of the measured strategies
  int first_m = 1 << 30, last_m = 0;
  const auto all = strategies_of(results);
  for (const std::string& strategy : all) {
    const auto runs = runs_varying(results, SweepField::kMicroBatch, strategy);
    if (runs.empty() || runs.front()->layout.grid.pp < 2) continue;
    Series measured{strategy + " measured", color_of(all, strategy), Dash::solid, YAxis::left, {}};
    for (const MeasuredRun* run : runs) {
      const Layout& layout = run->layout;
      const int micro_batches = layout.micro_batches(run->config);
      measured.points.push_back({double(micro_batches), 100.0 * mean_bubble(*run)});
      shapes.insert({layout.grid.pp, layout.virtual_stages});
      first_m = std::min(first_m, micro_batches);
      last_m = std::max(last_m, micro_batches);
    }
    std::sort(measured.points.begin(), measured.points.end(),
              [](const Point& a, const Point& b) { return a.x < b.x; });
    figure.series.push_back(measured);
  }
  if (figure.series.empty()) {
    plan.skip_reason = "no successful pipeline (pp > 1) run varies micro_batch";
    return plan;
  }
  for (const auto& [stages, virtual_stages] : shapes) {
    figure.series.push_back(model_series(stages, virtual_stages, first_m, last_m));
  }
  plan.note =
      "Measured (solid): time waiting for a neighbour / wall time, mean over ranks. Model "
      "(dashed, black): (p-1)/(v·m+p-1) with v chunks per rank (v = 1 except interleaved).";
  plan.data = figure;
  return plan;
}

}  // namespace paratrain::report
