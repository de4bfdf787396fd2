// Throughput observations: the winner at every swept point, and where each
// strategy's per-device throughput falls below seq's.
#include <algorithm>

#include "report/noise.h"
#include "report/observations.h"
#include "report/run_selection.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

constexpr SweepField kThroughputAxes[] = {SweepField::kBatchSize, SweepField::kSeqLen,
                                         SweepField::kNLayers, SweepField::kMicroBatch};

std::string tokens(double tokens_per_s) { return fixed(tokens_per_s, 0) + " tokens/s"; }

// "15000 tokens/s" or, over repeats, "15000 tokens/s (14800–15200)".
std::string tokens_with_range(const MeasuredRun& run) {
  const std::string range = range_text(tokens_range(run), run.repeats);
  return tokens(run.tokens_per_s) + (range.empty() ? "" : " (" + range + ")");
}

// The leader is named only when its lead is beyond the noise (noise.h);
// otherwise every strategy whose range reaches the leader's is tied with it.
std::string winner_line(const Results& results, SweepField axis, double value) {
  std::vector<const MeasuredRun*> runs;
  for (const std::string& strategy : strategies_of(results)) {
    if (const MeasuredRun* run = run_at(results, axis, strategy, value)) runs.push_back(run);
  }
  std::stable_sort(runs.begin(), runs.end(), [](const MeasuredRun* a, const MeasuredRun* b) {
    return a->tokens_per_s > b->tokens_per_s;
  });
  const std::string where = std::string(sweep_field_name(axis)) + " " + value_text(value) + ": ";
  if (runs.size() < 2) return where + "**" + runs[0]->point.strategy + "** at " + tokens_with_range(*runs[0]) +
                              " (the only strategy measured here)";
  if (!beyond_noise(tokens_range(*runs[0]), tokens_range(*runs[1]))) {
    std::string tied;
    for (const MeasuredRun* run : runs) {
      if (run != runs[0] && beyond_noise(tokens_range(*runs[0]), tokens_range(*run))) continue;
      tied += (tied.empty() ? "" : ", ") + run->point.strategy + " " + tokens_with_range(*run);
    }
    return where + "**tied within noise**: " + tied + " (their ranges over repeats overlap)";
  }
  const double lead = runs[0]->tokens_per_s / runs[1]->tokens_per_s - 1.0;
  return where + "**" + runs[0]->point.strategy + "** at " + tokens_with_range(*runs[0]) + ", " + percent(lead) +
         " over " + runs[1]->point.strategy + " (" + tokens_with_range(*runs[1]) + ")";
}

const MeasuredRun* sequential_at(const Results& results, SweepField axis, double value) {
  for (const MeasuredRun& run : results.runs) {
    if (run.point.varied == axis && run.point.value == value && is_sequential(run)) return &run;
  }
  return nullptr;
}

// One line per (strategy, axis) that drops: its ratios and where they fall short.
std::string drop_line(const Results& results, SweepField axis, const std::string& strategy) {
  std::string ratios, below, within;
  for (const MeasuredRun* run : runs_varying(results, axis, strategy)) {
    const MeasuredRun* seq = sequential_at(results, axis, run->point.value);
    if (seq == nullptr || is_sequential(*run) || seq->tokens_per_s_per_device <= 0) continue;
    const double ratio = run->tokens_per_s_per_device / seq->tokens_per_s_per_device;
    // The ratio's range over repeats: the run's slowest against seq's fastest, and the reverse.
    const bool repeated = run->repeats > 1 || seq->repeats > 1;
    const double ratio_high = per_device_range(*seq).low > 0
                                  ? per_device_range(*run).high / per_device_range(*seq).low
                                  : ratio;
    const double ratio_low = per_device_range(*seq).high > 0
                                 ? per_device_range(*run).low / per_device_range(*seq).high
                                 : ratio;
    const std::string range = repeated ? ", " + percent(ratio_low) + "–" + percent(ratio_high) : "";
    const std::string point = value_text(run->point.value) + " (" + percent(ratio) + range + ")";
    ratios += (ratios.empty() ? "" : ", ") + point;
    // Below the threshold only when even the most favourable pairing of repeats is.
    if (ratio_high < kEfficiencyThreshold) below += (below.empty() ? "" : ", ") + point;
    else if (ratio < kEfficiencyThreshold) within += (within.empty() ? "" : ", ") + point;
  }
  if (ratios.empty()) return "";
  const std::string head = strategy + ", varying " + sweep_field_name(axis) + ": ";
  const std::string threshold = percent(kEfficiencyThreshold, 0);
  const std::string noisy =
      within.empty() ? "" : "; below " + threshold + " at its median but not beyond noise at " + within;
  if (below.empty())
    return head + "stays at or above " + threshold + " of seq's per-device throughput" +
           (within.empty() ? "" : " within noise") + " (" + ratios + ")" + noisy;
  return head + "**below " + threshold + "** of seq's per-device throughput at " + below + noisy +
         "; all points: " + ratios;
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
