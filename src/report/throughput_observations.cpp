// Throughput observations: the winner at every swept point, and where each
// strategy's per-device throughput falls below seq's.
#include <algorithm>

#include "report/observations.h"
#include "report/run_selection.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

constexpr SweepField kThroughputAxes[] = {SweepField::kBatchSize, SweepField::kSeqLen,
                                         SweepField::kNLayers, SweepField::kMicroBatch};

std::string tokens(double tokens_per_s) { return fixed(tokens_per_s, 0) + " tokens/s"; }

std::string winner_line(const Results& results, SweepField axis, double value) {
  std::vector<const MeasuredRun*> runs;
  for (const std::string& strategy : strategies_of(results)) {
    if (const MeasuredRun* run = run_at(results, axis, strategy, value)) runs.push_back(run);
  }
  std::stable_sort(runs.begin(), runs.end(), [](const MeasuredRun* a, const MeasuredRun* b) {
    return a->tokens_per_s > b->tokens_per_s;
  });
  std::string line = std::string(sweep_field_name(axis)) + " " + value_text(value) + ": **" +
                     runs[0]->point.strategy + "** at " + tokens(runs[0]->tokens_per_s);
  if (runs.size() < 2) return line + " (the only strategy measured here)";
  const double lead = runs[0]->tokens_per_s / runs[1]->tokens_per_s - 1.0;
  return line + ", " + percent(lead) + " over " + runs[1]->point.strategy + " (" +
         tokens(runs[1]->tokens_per_s) + ")";
}

const MeasuredRun* sequential_at(const Results& results, SweepField axis, double value) {
  for (const MeasuredRun& run : results.runs) {
    if (run.point.varied == axis && run.point.value == value && is_sequential(run)) return &run;
  }
  return nullptr;
}

// One line per (strategy, axis) that drops: its ratios and where they fall short.
std::string drop_line(const Results& results, SweepField axis, const std::string& strategy) {
  std::string ratios, below;
  for (const MeasuredRun* run : runs_varying(results, axis, strategy)) {
    const MeasuredRun* seq = sequential_at(results, axis, run->point.value);
    if (seq == nullptr || is_sequential(*run) || seq->tokens_per_s_per_device <= 0) continue;
    const double ratio = run->tokens_per_s_per_device / seq->tokens_per_s_per_device;
    const std::string point = value_text(run->point.value) + " (" + percent(ratio) + ")";
    ratios += (ratios.empty() ? "" : ", ") + point;
    if (ratio < kEfficiencyThreshold) below += (below.empty() ? "" : ", ") + point;
  }
  if (ratios.empty()) return "";
  const std::string head = strategy + ", varying " + sweep_field_name(axis) + ": ";
  if (below.empty())
    return head + "stays at or above " + percent(kEfficiencyThreshold, 0) +
           " of seq's per-device throughput (" + ratios + ")";
  return head + "**below " + percent(kEfficiencyThreshold, 0) +
         "** of seq's per-device throughput at " + below + "; all points: " + ratios;
}

}  // namespace

ObservationSection throughput_winners(const Results& results) {
  ObservationSection section{"Highest raw throughput at each swept point", {}};
  for (SweepField axis : kThroughputAxes) {
    for (double value : values_along(results, axis))
      section.lines.push_back(winner_line(results, axis, value));
  }
  if (section.lines.empty()) section.lines.push_back("No run varies a config field.");
  return section;
}

ObservationSection efficiency_drops(const Results& results) {
  ObservationSection section{"Per-device efficiency against seq", {}};
  for (SweepField axis : kThroughputAxes) {
    for (const std::string& strategy : strategies_of(results)) {
      const std::string line = drop_line(results, axis, strategy);
      if (!line.empty()) section.lines.push_back(line);
    }
  }
  if (section.lines.empty()) {
    section.lines.push_back(
        "No comparison: no sequential (dp = pp = tp = 1) run shares a swept "
        "point with another strategy.");
  }
  return section;
}

}  // namespace paratrain::report
