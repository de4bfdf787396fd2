// Measured bubble against the schedule's model, over the micro-batch sweep:
// one measured curve per strategy (the mean over ranks; for zero-bubble
// strategies also the first and the last stage), one model curve per
// pipeline shape (p, v) and one per p for the zero-bubble schedules.
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

// ZB-H1's (and, within a step, ZB-H2's) closed form at equal F, B, W:
// (p-1)(F+B-W) idle in a step of 3mF + (p-1)F (parallel/schedule_zero_bubble.h).
Series zero_bubble_model_series(int stages, int first_m, int last_m) {
  Series model{"model zb, p=" + std::to_string(stages), kNeutralColor, Dash::dashed, YAxis::left, {}};
  for (int m = first_m; m <= last_m; ++m) {
    model.points.push_back({double(m), 100.0 * (stages - 1) / (3.0 * m + stages - 1)});
  }
  return model;
}

bool is_zero_bubble(const Layout& layout) {
  return layout.schedule == ScheduleKind::kZbH1 || layout.schedule == ScheduleKind::kZbH2;
}

// Mean bubble of the ranks on pipeline stage `stage`.
double stage_bubble(const MeasuredRun& run, int stage) {
  double sum = 0.0;
  int count = 0;
  for (const paratrain::RankRecord& rank : run.ranks) {
    if (rank.coord.pp != stage) continue;
    sum += rank.bubble;
    ++count;
  }
  return count > 0 ? sum / count : 0.0;
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
  std::set<int> zero_bubble_stages;        // p of the measured zero-bubble strategies
  int first_m = 1 << 30, last_m = 0;
  const auto all = strategies_of(results);
  for (const std::string& strategy : all) {
    const auto runs = runs_varying(results, SweepField::kMicroBatch, strategy);
    if (runs.empty() || runs.front()->layout.grid.pp < 2) continue;
    Series measured{strategy + " measured", color_of(all, strategy), Dash::solid, YAxis::left, {}};
    const bool zero_bubble = is_zero_bubble(runs.front()->layout);
    Series first{strategy + " first stage", color_of(all, strategy), Dash::dashed, YAxis::left, {}};
    Series last{strategy + " last stage", color_of(all, strategy), Dash::dashed, YAxis::left, {}};
    for (const MeasuredRun* run : runs) {
      const Layout& layout = run->layout;
      const int micro_batches = layout.micro_batches(run->config);
      measured.points.push_back({double(micro_batches), 100.0 * mean_bubble(*run)});
      if (zero_bubble) {
        first.points.push_back({double(micro_batches), 100.0 * stage_bubble(*run, 0)});
        last.points.push_back({double(micro_batches), 100.0 * stage_bubble(*run, layout.grid.pp - 1)});
        zero_bubble_stages.insert(layout.grid.pp);
        first_m = std::min(first_m, micro_batches);
        last_m = std::max(last_m, micro_batches);
        continue;
      }
      shapes.insert({layout.grid.pp, layout.virtual_stages});
      first_m = std::min(first_m, micro_batches);
      last_m = std::max(last_m, micro_batches);
    }
    for (Series* series : {&measured, &first, &last}) {
      std::sort(series->points.begin(), series->points.end(),
                [](const Point& a, const Point& b) { return a.x < b.x; });
    }
    figure.series.push_back(measured);
    if (zero_bubble) {
      figure.series.push_back(first);
      figure.series.push_back(last);
    }
  }
  if (figure.series.empty()) {
    plan.skip_reason = "no successful pipeline (pp > 1) run varies micro_batch";
    return plan;
  }
  for (const auto& [stages, virtual_stages] : shapes) {
    figure.series.push_back(model_series(stages, virtual_stages, first_m, last_m));
  }
  for (int stages : zero_bubble_stages) {
    figure.series.push_back(zero_bubble_model_series(stages, first_m, last_m));
  }
  plan.note =
      "Measured (solid): time waiting for a neighbour / wall time, mean over ranks. Model "
      "(dashed, black): (p-1)/(v·m+p-1) with v chunks per rank (v = 1 except interleaved); "
      "for zb-h1 / zb-h2, (p-1)/(3m+p-1), their closed form at equal forward, input-gradient "
      "and weight-gradient times. Zero-bubble strategies also show their first and last stage "
      "(dashed, in their colour).";
  plan.data = figure;
  return plan;
}

}  // namespace paratrain::report
