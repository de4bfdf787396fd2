// Throughput observations: the winner at every swept point, and where each
// strategy's per-device throughput falls below seq's.
#include <algorithm>

#include "report/observations.h"
#include "report/run_selection.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

constexpr SweepAxis kThroughputAxes[] = {SweepAxis::batch_size, SweepAxis::seq_len,
                                         SweepAxis::n_layers, SweepAxis::micro_batch};

std::string tokens(double tokens_per_s) { return fixed(tokens_per_s, 0) + " tokens/s"; }

std::string winner_line(const Results& results, SweepAxis axis, double value) {
  std::vector<const RunRecord*> runs;
  for (const std::string& strategy : strategies_of(results)) {
    if (const RunRecord* run = run_at(results, axis, strategy, value)) runs.push_back(run);
  }
  std::stable_sort(runs.begin(), runs.end(), [](const RunRecord* a, const RunRecord* b) {
    return a->tokens_per_s > b->tokens_per_s;
  });
  std::string line = std::string(axis_field_name(axis)) + " " + value_text(value) + ": **" +
                     runs[0]->sweep.strategy + "** at " + tokens(runs[0]->tokens_per_s);
  if (runs.size() < 2) return line + " (the only strategy measured here)";
  const double lead = runs[0]->tokens_per_s / runs[1]->tokens_per_s - 1.0;
  return line + ", " + percent(lead) + " over " + runs[1]->sweep.strategy + " (" +
         tokens(runs[1]->tokens_per_s) + ")";
}

const RunRecord* sequential_at(const Results& results, SweepAxis axis, double value) {
  for (const RunRecord& run : results.runs) {
    if (run.sweep.varied == axis && run.sweep.value == value && is_sequential(run)) return &run;
  }
  return nullptr;
}

// One line per (strategy, axis) that drops: its ratios and where they fall short.
std::string drop_line(const Results& results, SweepAxis axis, const std::string& strategy) {
  std::string ratios, below;
  for (const RunRecord* run : runs_varying(results, axis, strategy)) {
    const RunRecord* seq = sequential_at(results, axis, run->sweep.value);
    if (seq == nullptr || is_sequential(*run) || seq->tokens_per_s_per_device <= 0) continue;
    const double ratio = run->tokens_per_s_per_device / seq->tokens_per_s_per_device;
    const std::string point = value_text(run->sweep.value) + " (" + percent(ratio) + ")";
    ratios += (ratios.empty() ? "" : ", ") + point;
    if (ratio < kEfficiencyThreshold) below += (below.empty() ? "" : ", ") + point;
  }
  if (ratios.empty()) return "";
  const std::string head = strategy + ", varying " + axis_field_name(axis) + ": ";
  if (below.empty())
    return head + "stays at or above " + percent(kEfficiencyThreshold, 0) +
           " of seq's per-device throughput (" + ratios + ")";
  return head + "**below " + percent(kEfficiencyThreshold, 0) +
         "** of seq's per-device throughput at " + below + "; all points: " + ratios;
}

}  // namespace

ObservationSection throughput_winners(const Results& results) {
  ObservationSection section{"Highest raw throughput at each swept point", {}};
  for (SweepAxis axis : kThroughputAxes) {
    for (double value : values_along(results, axis))
      section.lines.push_back(winner_line(results, axis, value));
  }
  if (section.lines.empty()) section.lines.push_back("No run varies a config field.");
  return section;
}

ObservationSection efficiency_drops(const Results& results) {
  ObservationSection section{"Per-device efficiency against seq", {}};
  for (SweepAxis axis : kThroughputAxes) {
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
