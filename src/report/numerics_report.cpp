#include "report/numerics_report.h"

#include <algorithm>
#include <cmath>

#include "report/noise.h"
#include "report/run_selection.h"
#include "report/summary_figures.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;  // observations print MiB

// The value of a numerics axis that is the baseline (fp32; recompute none),
// and the name of another value.
std::string variant_name(SweepField axis, double value) {
  if (axis == SweepField::kPrecision) return value == 1 ? "bf16" : "fp32";
  return std::string("recompute ") + (value == 1 ? "selective" : value == 2 ? "full" : "none");
}

std::string bar_label(const NumericsPair& pair) {
  return pair.strategy + (pair.variant == "bf16" ? " bf16" : pair.variant == "recompute selective" ? " sel" : " full");
}

std::string signed_percent(double fraction) { return (fraction >= 0 ? "+" : "−") + percent(std::fabs(fraction)); }

// "1.12× (beyond noise)" / "0.95× (within noise)".
std::string speed_text(const NumericsPair& pair) {
  const double ratio = pair.run->tokens_per_s / pair.baseline->tokens_per_s;
  const Spread run = tokens_range(*pair.run), base = tokens_range(*pair.baseline);
  std::string judged;
  if (pair.run->repeats <= 1 || pair.baseline->repeats <= 1) {
    judged = "noise not measured";
  } else if (beyond_noise(run, base)) {
    judged = "faster beyond noise";
  } else if (beyond_noise(base, run)) {
    judged = "slower beyond noise";
  } else {
    judged = "tied within noise";
  }
  return fixed(ratio, 2) + "× the tokens/s (" + judged + ")";
}

// Each strategy's fp32 bar, then a bar for each of its variants, in pair order.
template <typename AddBar>
void for_each_bar(const std::vector<NumericsPair>& pairs, AddBar&& add_bar) {
  std::string last_strategy;
  for (const NumericsPair& pair : pairs) {
    if (pair.strategy != last_strategy) add_bar(pair.strategy + " fp32", *pair.baseline);
    last_strategy = pair.strategy;
    add_bar(bar_label(pair), *pair.run);
  }
}

// The frame both figures share: names, and the skip when nothing varies
// precision or recompute; the note starts with the config.
FigurePlan numerics_plan(const std::string& stem, const std::string& what, const Results& results) {
  FigurePlan plan;
  plan.stem = stem;
  plan.heading = "fp32 against bf16 (and recompute): " + what;
  const std::vector<NumericsPair> pairs = numerics_pairs(results);
  if (pairs.empty()) {
    plan.skip_reason = "no sweep point varies precision or recompute";
  } else {
    plan.note = "Config " + describe(pairs.front().baseline->config);
  }
  return plan;
}

}  // namespace

std::vector<NumericsPair> numerics_pairs(const Results& results) {
  std::vector<NumericsPair> pairs;
  for (const std::string& strategy : strategies_of(results)) {
    for (SweepField axis : {SweepField::kPrecision, SweepField::kRecompute}) {
      const std::vector<const MeasuredRun*> runs = runs_varying(results, axis, strategy);
      const auto baseline = std::find_if(runs.begin(), runs.end(),
                                         [](const MeasuredRun* run) { return run->point.value == 0; });
      if (baseline == runs.end()) continue;
      for (const MeasuredRun* run : runs) {
        if (run == *baseline || run->tokens_per_s <= 0 || (*baseline)->tokens_per_s <= 0) continue;
        pairs.push_back({strategy, variant_name(axis, run->point.value), *baseline, run});
      }
    }
  }
  return pairs;
}

FigurePlan numerics_throughput_figure(const Results& results) {
  FigurePlan plan = numerics_plan("numerics_throughput", "tokens/s per strategy", results);
  if (plan.skipped()) return plan;
  BarFigure figure;
  figure.title = "tokens/s: each strategy's fp32 point, then its bf16 / recompute points";
  figure.y_label = "tokens/s (median of repeats)";
  figure.stacks = {"tokens/s"};
  for_each_bar(numerics_pairs(results), [&figure](const std::string& label, const MeasuredRun& run) {
    figure.bars.push_back(label);
    figure.values.push_back({run.tokens_per_s});
    const Spread range = tokens_range(run);
    figure.ranges.emplace_back(range.low, range.high);
  });
  plan.note += "; \"sel\" and \"full\" are --recompute selective and full (fp32). Median over repeats, error "
               "bars min to max.";
  plan.data = figure;
  return plan;
}

FigurePlan numerics_memory_figure(const Results& results) {
  FigurePlan plan = numerics_plan("numerics_memory", "peak memory per device by category", results);
  if (plan.skipped()) return plan;
  BarFigure figure;
  figure.title = "peak tracked memory of the largest rank, by category";
  set_memory_stacks(figure);
  for_each_bar(numerics_pairs(results), [&figure](const std::string& label, const MeasuredRun& run) {
    add_memory_bar(figure, label, run);
  });
  plan.note += "; the number above a bar is the rank's total peak; each category is its own peak, so a stack may "
               "exceed it.";
  plan.data = figure;
  return plan;
}

ObservationSection numerics_bought(const Results& results) {
  ObservationSection section{"What bf16 and recomputation bought", {}};
  const std::vector<NumericsPair> pairs = numerics_pairs(results);
  if (pairs.empty()) {
    section.lines.push_back("No point varies precision or recompute.");
    return section;
  }
  for (const std::string variant : {"bf16", "recompute selective", "recompute full"}) {
    int faster = 0, slower = 0, tied = 0, count = 0;
    double least_saving = 1e300, most_saving = -1e300;
    for (const NumericsPair& pair : pairs) {
      if (pair.variant != variant) continue;
      ++count;
      const double base_bytes = double(max_memory_bytes(*pair.baseline));
      const double saving = base_bytes > 0 ? 1.0 - double(max_memory_bytes(*pair.run)) / base_bytes : 0.0;
      least_saving = std::min(least_saving, saving);
      most_saving = std::max(most_saving, saving);
      const std::string speed = speed_text(pair);
      faster += speed.find("faster beyond") != std::string::npos;
      slower += speed.find("slower beyond") != std::string::npos;
      tied += speed.find("tied") != std::string::npos;
      section.lines.push_back("**" + variant + "** on " + pair.strategy + ": " + speed + ", " +
                              fixed(pair.run->tokens_per_s, 0) + " against " + fixed(pair.baseline->tokens_per_s, 0) +
                              " tokens/s; peak memory of the largest rank " +
                              fixed(max_memory_bytes(*pair.run) / kMiB, 1) + " MiB against " +
                              fixed(max_memory_bytes(*pair.baseline) / kMiB, 1) + " MiB (" +
                              signed_percent(-saving) + ").");
    }
    if (count == 0) continue;
    section.lines.push_back("In sum, **" + std::string(variant) + "** was faster beyond noise for " +
                            std::to_string(faster) + " of " + std::to_string(count) + " strategies, slower for " +
                            std::to_string(slower) + ", tied for " + std::to_string(tied) +
                            "; the largest rank's peak memory changed by " + signed_percent(-most_saving) +
                            " to " + signed_percent(-least_saving) + ".");
  }
  return section;
}

}  // namespace paratrain::report
