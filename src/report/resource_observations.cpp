// Memory, MFU and bubble observations, at the reference config and over the
// micro-batch sweep.
#include <algorithm>

#include "report/host_runs.h"
#include "report/noise.h"
#include "report/numerics_report.h"
#include "report/observations.h"
#include "report/run_selection.h"
#include "report/summary_figures.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

std::string mib(int64_t bytes) { return fixed(bytes / (1024.0 * 1024.0), 2) + " MiB"; }

void add_memory_lines(const ReferencePoint& reference, std::vector<std::string>& lines) {
  auto by_memory = [](const MeasuredRun* a, const MeasuredRun* b) {
    return max_memory_bytes(*a) < max_memory_bytes(*b);
  };
  const MeasuredRun* lowest =
      *std::min_element(reference.runs.begin(), reference.runs.end(), by_memory);
  const MeasuredRun* highest =
      *std::max_element(reference.runs.begin(), reference.runs.end(), by_memory);
  std::string line = "Lowest max memory per device: **" + lowest->point.strategy + "** with " +
                     mib(max_memory_bytes(*lowest)) + " on rank " +
                     std::to_string(largest_memory_rank(*lowest).rank);
  if (highest != lowest) {
    const double saving =
        1.0 - double(max_memory_bytes(*lowest)) / double(max_memory_bytes(*highest));
    line += ", " + percent(saving) + " less than the highest, " + highest->point.strategy + " (" +
            mib(max_memory_bytes(*highest)) + ")";
  }
  lines.push_back(line + " (config " + describe(reference.config) + ").");
}

void add_mfu_line(const ReferencePoint& reference, std::vector<std::string>& lines) {
  const MeasuredRun* best = nullptr;
  for (const MeasuredRun* run : reference.runs) {
    if (run->mfu && (best == nullptr || *run->mfu > *best->mfu)) best = run;
  }
  if (best == nullptr) {
    lines.push_back("No MFU: the records carry none.");
    return;
  }
  // MFU is tokens/s times a constant of the config: it is ahead beyond noise when tokens/s is.
  std::string tied;
  for (const MeasuredRun* run : reference.runs) {
    if (run == best || !run->mfu || run->tokens_per_s <= 0 || best->tokens_per_s <= 0) continue;
    const double best_scale = *best->mfu / best->tokens_per_s, scale = *run->mfu / run->tokens_per_s;
    const Spread best_mfu{best_scale * tokens_range(*best).low, best_scale * tokens_range(*best).high};
    const Spread run_mfu{scale * tokens_range(*run).low, scale * tokens_range(*run).high};
    if (!beyond_noise(best_mfu, run_mfu)) tied += (tied.empty() ? "" : ", ") + run->point.strategy;
  }
  lines.push_back("Highest MFU: **" + best->point.strategy + "** at " + percent(*best->mfu, 2) +
                  " of the device's peak (config " + describe(reference.config) + ")" +
                  (tied.empty() ? "" : "; **tied within noise** with " + tied) + ".");
}

bool zero_bubble_schedule(const Layout& layout) {
  return layout.schedule == ScheduleKind::kZbH1 || layout.schedule == ScheduleKind::kZbH2;
}

// ZB-H1's closed form at equal F, B, W (the bubble figure's "model zb").
double zero_bubble_model(int stages, int micro_batches) {
  return (stages - 1.0) / (3.0 * micro_batches + stages - 1.0);
}

// "m=4: stage 0 22.0% / 20.1%, stage 1 ..." when the record carries the
// planner's per-stage prediction; empty otherwise.
std::string stage_bubbles_text(const MeasuredRun& run, int micro_batches, bool first) {
  if (!run.predicted || run.predicted->stage_bubble.empty()) return "";
  std::string text = std::string(first ? "" : "; ") + "m=" + std::to_string(micro_batches) + ":";
  for (size_t stage = 0; stage < run.predicted->stage_bubble.size(); ++stage) {
    double sum = 0.0;
    int count = 0;
    for (const paratrain::RankRecord& rank : run.ranks) {
      if (rank.coord.pp != static_cast<int>(stage)) continue;
      sum += rank.bubble;
      ++count;
    }
    if (count == 0) continue;
    text += std::string(stage == 0 ? "" : ",") + " stage " + std::to_string(stage) + " " + percent(sum / count) +
            " / " + percent(run.predicted->stage_bubble[stage]);
  }
  return text;
}

}  // namespace

ObservationSection memory_and_mfu(const Results& results) {
  ObservationSection section{"Memory and MFU", {}};
  const ReferencePoint reference = reference_point(results);
  if (reference.runs.empty()) {
    section.lines.push_back("No successful run.");
    return section;
  }
  add_memory_lines(reference, section.lines);
  add_mfu_line(reference, section.lines);
  return section;
}

ObservationSection bubble_against_model(const Results& results) {
  ObservationSection section{"Bubble against the model", {}};
  for (const std::string& strategy : strategies_of(results)) {
    auto runs = runs_varying(results, SweepField::kMicroBatch, strategy);
    if (runs.empty() || runs.front()->layout.grid.pp < 2) continue;
    std::sort(runs.begin(), runs.end(), [](const MeasuredRun* a, const MeasuredRun* b) {
      return a->layout.micro_batches(a->config) < b->layout.micro_batches(b->config);
    });
    std::string points, stages;
    for (const MeasuredRun* run : runs) {
      const Layout& layout = run->layout;
      const int micro_batches = layout.micro_batches(run->config);
      const double model = zero_bubble_schedule(layout)
                               ? zero_bubble_model(layout.grid.pp, micro_batches)
                               : model_bubble(layout.grid.pp, micro_batches, layout.virtual_stages);
      points += (points.empty() ? "" : ", ") + std::string("m=") +
                std::to_string(micro_batches) + ": " + percent(mean_bubble(*run)) + " vs " +
                percent(model);
      stages += stage_bubbles_text(*run, micro_batches, stages.empty());
    }
    section.lines.push_back(strategy + " (p=" + std::to_string(runs.front()->layout.grid.pp) +
                            "), measured vs model: " + points);
    if (!stages.empty()) {
      section.lines.push_back(strategy + " by stage, measured / the simulator's prediction (the run's own schedule "
                              "and partition at the calibrated costs): " + stages);
    }
  }
  if (section.lines.empty()) section.lines.push_back("No pipeline run varies micro_batch.");
  return section;
}

std::vector<ObservationSection> observations(const Results& results) {
  std::vector<ObservationSection> sections{throughput_winners(results), efficiency_drops(results),
                                           memory_and_mfu(results), bubble_against_model(results)};
  if (!numerics_pairs(results).empty()) sections.push_back(numerics_bought(results));
  if (!results.host_runs.empty()) sections.push_back(link_rate_observations(results));
  return sections;
}

}  // namespace paratrain::report
