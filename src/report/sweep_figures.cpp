#include "report/sweep_figures.h"

#include <algorithm>
#include <functional>
#include <string>

#include "report/run_selection.h"

namespace paratrain::report {

namespace {

using RunValue = std::function<double(const MeasuredRun&)>;
using RunSpread = std::function<Spread(const MeasuredRun&)>;

// `spread`, when given, adds error bars (min to max over repeats) to points measured more than once.
Series series_of(const std::vector<const MeasuredRun*>& runs, const std::string& title, int color,
                 Dash dash, YAxis axis, const RunValue& value, const RunSpread& spread = {}) {
  Series series{title, color, dash, axis, {}};
  for (const MeasuredRun* run : runs) {
    Point point{run->point.value, value(*run), {}, {}};
    if (spread && run->repeats > 1) {
      point.low = spread(*run).low;
      point.high = spread(*run).high;
    }
    series.points.push_back(point);
  }
  return series;
}

bool wide_range(const std::vector<double>& values) {
  return !values.empty() && values.front() > 0 && values.back() / values.front() >= 4.0;
}

// Strategies with runs along `axis`; pipeline_only keeps those with pp > 1.
std::vector<std::string> strategies_along(const Results& results, SweepField axis,
                                          bool pipeline_only) {
  std::vector<std::string> kept;
  for (const std::string& strategy : strategies_of(results)) {
    const auto runs = runs_varying(results, axis, strategy);
    if (runs.empty() || (pipeline_only && runs.front()->layout.grid.pp < 2)) continue;
    kept.push_back(strategy);
  }
  return kept;
}

std::string skip_reason(const Results& results, SweepField axis, bool pipeline_only) {
  int failed = 0;
  for (const FailedPoint& failure : results.failures) failed += failure.point.varied == axis;
  std::string reason = std::string("no successful ") + (pipeline_only ? "pipeline (pp > 1) " : "") +
                       "run varies " + sweep_field_name(axis);
  if (failed > 0) reason += " (" + std::to_string(failed) + " such point(s) failed)";
  return reason;
}

// The seed's figures pair, per strategy, raw throughput (solid, left axis)
// with a second measure in the strategy's colour (dashed).
struct SecondSeries {
  const char* first_suffix;   // label of the throughput line after the strategy's name
  const char* second_suffix;  // label of the second line
  YAxis axis;
  double (*value)(const MeasuredRun&);
  Spread (*spread)(const MeasuredRun&);  // null: no error bars
};

void add_paired_series(const Results& results, SweepField axis,
                       const std::vector<std::string>& strategies, const SecondSeries& second,
                       LineFigure& figure) {
  const auto all = strategies_of(results);
  for (const std::string& strategy : strategies) {
    const auto runs = runs_varying(results, axis, strategy);
    const int color = color_of(all, strategy);
    figure.series.push_back(series_of(runs, strategy + second.first_suffix, color, Dash::solid,
                                      YAxis::left,
                                      [](const MeasuredRun& run) { return run.tokens_per_s; },
                                      [](const MeasuredRun& run) { return run.tokens_spread; }));
    RunSpread second_spread;
    if (second.spread != nullptr) second_spread = second.spread;
    figure.series.push_back(series_of(runs, strategy + second.second_suffix, color, Dash::dashed,
                                      second.axis, second.value, second_spread));
  }
}

FigurePlan throughput_figure(const Results& results, SweepField axis) {
  const std::string field = sweep_field_name(axis);
  FigurePlan plan;
  plan.stem = "throughput_vs_" + field;
  plan.heading = std::string("Raw and per-device throughput against ") + axis_noun(axis);
  const auto strategies = strategies_along(results, axis, false);
  if (strategies.empty()) {
    plan.skip_reason = skip_reason(results, axis, false);
    return plan;
  }
  LineFigure figure{plan.heading,
                    axis_label(axis),
                    "throughput (tokens/s)",
                    "",
                    wide_range(values_along(results, axis)),
                    {}};
  add_paired_series(results, axis, strategies, {" raw", " per device", YAxis::left,
                    [](const MeasuredRun& run) { return run.tokens_per_s_per_device; },
                    [](const MeasuredRun& run) { return run.per_device_spread; }},
                    figure);
  plan.note =
      "Solid: raw throughput (global tokens per step / median step time); dashed: raw / devices. "
      "Each point is the median over its repeats; error bars span min to max over the repeats.";
  plan.data = figure;
  return plan;
}

FigurePlan utilization_figure(const Results& results, SweepField axis, bool pipeline_only) {
  const std::string field = sweep_field_name(axis);
  FigurePlan plan;
  plan.stem = "throughput_utilization_vs_" + field;
  plan.heading = std::string("Raw throughput and utilization against ") + axis_noun(axis) +
                 (pipeline_only ? " (pipeline strategies)" : "");
  const auto strategies = strategies_along(results, axis, pipeline_only);
  if (strategies.empty()) {
    plan.skip_reason = skip_reason(results, axis, pipeline_only);
    return plan;
  }
  LineFigure figure{plan.heading,
                    axis_label(axis),
                    "raw throughput (tokens/s)",
                    "device utilization, mean over ranks (%)",
                    wide_range(values_along(results, axis)),
                    {}};
  add_paired_series(results, axis, strategies, {" tokens/s", " utilization", YAxis::right,
                    [](const MeasuredRun& run) { return 100.0 * mean_utilization(run); }, nullptr},
                    figure);
  plan.note =
      "Solid, left axis: raw throughput (median over repeats, error bars min to max); dashed, right "
      "axis: compute time / wall time, mean over ranks (median over repeats).";
  plan.data = figure;
  return plan;
}

}  // namespace

const char* axis_label(SweepField axis) {
  switch (axis) {
    case SweepField::kBatchSize:
      return "batch size (sequences per step)";
    case SweepField::kSeqLen:
      return "sequence length (tokens)";
    case SweepField::kNLayers:
      return "number of layers";
    case SweepField::kMicroBatch:
      return "micro-batch size (sequences)";
    case SweepField::kVocabSize:
      return "vocabulary size (tokens)";
    case SweepField::kDModel:
      return "hidden width d_model";
    case SweepField::kNHeads:
      return "attention heads";
    case SweepField::kFfnMult:
      return "MLP width multiplier";
    case SweepField::kDropout:
      return "dropout probability";
    case SweepField::kPrecision:
      return "matmul precision (0 fp32, 1 bf16)";
    case SweepField::kRecompute:
      return "recompute (0 none, 1 selective, 2 full)";
  }
  return "none";
}

const char* axis_noun(SweepField axis) {
  switch (axis) {
    case SweepField::kBatchSize:
      return "batch size";
    case SweepField::kSeqLen:
      return "sequence length";
    case SweepField::kNLayers:
      return "number of layers";
    case SweepField::kMicroBatch:
      return "micro-batch size";
    case SweepField::kVocabSize:
      return "vocabulary size";
    case SweepField::kDModel:
      return "hidden width";
    case SweepField::kNHeads:
      return "number of heads";
    case SweepField::kFfnMult:
      return "MLP width multiplier";
    case SweepField::kDropout:
      return "dropout";
    case SweepField::kPrecision:
      return "precision";
    case SweepField::kRecompute:
      return "recompute";
  }
  return "none";
}

// Every field a sweep may vary, in the report's order: the seed's four first.
constexpr SweepField kReportFieldOrder[] = {
    SweepField::kBatchSize, SweepField::kSeqLen,  SweepField::kNLayers, SweepField::kMicroBatch,
    SweepField::kVocabSize, SweepField::kDModel,  SweepField::kNHeads,  SweepField::kFfnMult,
    SweepField::kDropout,   SweepField::kPrecision, SweepField::kRecompute};

std::vector<FigurePlan> sweep_figures(const Results& results) {
  std::vector<FigurePlan> plans;
  for (SweepField axis : {SweepField::kBatchSize, SweepField::kSeqLen, SweepField::kNLayers}) {
    plans.push_back(throughput_figure(results, axis));
    plans.push_back(utilization_figure(results, axis, false));
  }
  plans.push_back(utilization_figure(results, SweepField::kMicroBatch, true));
  // Beyond the seed's figures: any other field the sweep varied.
  for (SweepField axis : kReportFieldOrder) {
    const bool seed_axis = axis == SweepField::kBatchSize || axis == SweepField::kSeqLen ||
                           axis == SweepField::kNLayers || axis == SweepField::kMicroBatch;
    if (seed_axis || values_along(results, axis).empty()) continue;
    plans.push_back(throughput_figure(results, axis));
    plans.push_back(utilization_figure(results, axis, false));
  }
  return plans;
}

}  // namespace paratrain::report
