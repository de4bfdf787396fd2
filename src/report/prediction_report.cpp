#include "report/prediction_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "plan/layout_search.h"
#include "record/sweep_field.h"
#include "report/run_selection.h"

namespace paratrain::report {

namespace {

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), pattern, value);
  return text;
}

int64_t measured_peak(const MeasuredRun& run) {
  int64_t peak = 0;
  for (const RankRecord& rank : run.ranks) peak = std::max(peak, rank.peak.total);
  return peak;
}

int64_t predicted_peak(const MeasuredRun& run) {
  const auto& bytes = run.predicted->peak_bytes;
  return bytes.empty() ? 0 : *std::max_element(bytes.begin(), bytes.end());
}

double relative_error(double predicted, double measured) {
  return measured > 0 ? (predicted - measured) / measured : 0.0;
}

std::string point_name(const MeasuredRun& run) {
  std::string name = run.point.strategy;
  if (run.point.varied) {
    name += " " + std::string(varied_name(run.point.varied)) + "=" + format_field_value(*run.point.varied, run.point.value);
  }
  return name;
}

}  // namespace

bool has_predictions(const Results& results) {
  return std::any_of(results.runs.begin(), results.runs.end(),
                     [](const MeasuredRun& run) { return run.predicted.has_value(); });
}

FigurePlan prediction_figure(const Results& results) {
  FigurePlan plan;
  plan.stem = "predicted_vs_measured";
  plan.heading = "Predicted against measured tokens/s (the planner)";
  LineFigure figure;
  figure.title = plan.heading;
  figure.x_label = "measured tokens/s (median over repeats)";
  figure.y_label = "predicted tokens/s (paratrain plan)";
  std::map<std::string, size_t> series_of;
  double low = 0, high = 0;
  for (const MeasuredRun& run : results.runs) {
    if (!run.predicted) continue;
    auto [it, added] = series_of.emplace(run.point.strategy, figure.series.size());
    if (added) figure.series.push_back({run.point.strategy, static_cast<int>(it->second), Dash::solid, YAxis::left, {}});
    figure.series[it->second].points.push_back({run.tokens_per_s, run.predicted->tokens_per_s});
    const double smaller = std::min(run.tokens_per_s, run.predicted->tokens_per_s);
    const double larger = std::max(run.tokens_per_s, run.predicted->tokens_per_s);
    low = low == 0 ? smaller : std::min(low, smaller);
    high = std::max(high, larger);
  }
  if (figure.series.empty()) {
    plan.skip_reason = "no record carries a prediction";
    return plan;
  }
  for (Series& series : figure.series) {
    std::sort(series.points.begin(), series.points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
  }
  figure.series.push_back({"y = x (a perfect prediction)", kNeutralColor, Dash::dashed, YAxis::left,
                           {{low * 0.9, low * 0.9}, {high * 1.1, high * 1.1}}});
  plan.note = "Each point's prediction comes from its own record (predicted.tokens_per_s, priced with the "
              "description in predicted.cluster); lines join a strategy's points in order of measured tokens/s.";
  plan.data = figure;
  return plan;
}

namespace {

std::string error_table(const Results& results) {
  std::string text =
      "## Predicted against measured\n\n"
      "| point | measured tokens/s | predicted tokens/s | error | measured peak bytes | predicted peak bytes | "
      "memory error |\n|---|---:|---:|---:|---:|---:|---:|\n";
  std::vector<double> errors;
  double worst_memory = 0;
  for (const MeasuredRun& run : results.runs) {
    if (!run.predicted) continue;
    const double error = relative_error(run.predicted->tokens_per_s, run.tokens_per_s);
    const double memory = relative_error(static_cast<double>(predicted_peak(run)),
                                         static_cast<double>(measured_peak(run)));
    errors.push_back(std::fabs(error));
    worst_memory = std::max(worst_memory, std::fabs(memory));
    text += "| " + point_name(run) + " | " + format("%.0f", run.tokens_per_s) + " | " +
            format("%.0f", run.predicted->tokens_per_s) + " | " + format("%+.1f%%", 100 * error) + " | " +
            std::to_string(measured_peak(run)) + " | " + std::to_string(predicted_peak(run)) + " | " +
            format("%+.2f%%", 100 * memory) + " |\n";
  }
  std::sort(errors.begin(), errors.end());
  text += "\nOver " + std::to_string(errors.size()) + " points: median |error| of tokens/s " +
          format("%.1f%%", 100 * median_of(errors)) + ", worst " + format("%.1f%%", 100 * errors.back()) +
          "; worst peak-memory error " + format("%.2f%%", 100 * worst_memory) +
          " (memory is the largest rank's planned against its tracked peak).\n\n";
  return text;
}

}  // namespace

std::string prediction_sections(const Results& results) {
  // Results without predictions (older files) keep their report as it was.
  if (!has_predictions(results)) return "";
  return error_table(results) + planner_best_layouts();
}

}  // namespace paratrain::report
