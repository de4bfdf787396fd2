// GPipe against 1F1B, and ZB-H1 where a run has its trace: one measured step
// of each, drawn from their traces.
#include <stdexcept>
#include <string>

#include "report/run_selection.h"
#include "report/summary_figures.h"

namespace paratrain::report {

namespace {

bool same_shape(const MeasuredRun& a, const MeasuredRun& b) {
  return a.config == b.config && a.layout.grid.pp == b.layout.grid.pp && a.layout.grid.dp == b.layout.grid.dp &&
         a.layout.micro_batch == b.layout.micro_batch;
}

// A traced pipeline run under `schedule` (a layout without a pipeline runs no schedule).
bool traced_under(const MeasuredRun& run, ScheduleKind schedule) {
  return run.layout.grid.pp > 1 && run.layout.schedule == schedule && !run.point.trace_path.empty();
}

const MeasuredRun* first_traced(const Results& results, ScheduleKind schedule, const MeasuredRun* like) {
  for (const MeasuredRun& run : results.runs) {
    if (!traced_under(run, schedule)) continue;
    if (like == nullptr || same_shape(run, *like)) return &run;
  }
  return nullptr;
}

// A GPipe and a 1F1B run with traces, of the same shape when there is one.
std::pair<const MeasuredRun*, const MeasuredRun*> traced_pair(const Results& results) {
  for (const MeasuredRun& gpipe : results.runs) {
    if (!traced_under(gpipe, ScheduleKind::kGPipe)) continue;
    if (const MeasuredRun* match = first_traced(results, ScheduleKind::kOneFOneB, &gpipe)) {
      return {&gpipe, match};
    }
  }
  return {first_traced(results, ScheduleKind::kGPipe, nullptr),
          first_traced(results, ScheduleKind::kOneFOneB, nullptr)};
}

std::string panel_title(const MeasuredRun& run, const StepTimeline& timeline) {
  return run.point.strategy + ": " + describe(run.config) + ", micro-batch " +
         std::to_string(run.layout.micro_batch) +
         " (m=" + std::to_string(run.layout.micro_batches(run.config)) + "), step " +
         std::to_string(timeline.step);
}

}  // namespace

FigurePlan timeline_figure(const Results& results) {
  FigurePlan plan;
  plan.stem = "pipeline_timeline";
  const auto [gpipe, one_f_one_b] = traced_pair(results);
  // ZB-H1 is optional (older results have none): of 1F1B's shape when it can be.
  const MeasuredRun* zb_h1 = first_traced(results, ScheduleKind::kZbH1, one_f_one_b);
  if (zb_h1 == nullptr) zb_h1 = first_traced(results, ScheduleKind::kZbH1, nullptr);
  plan.heading = std::string("Pipeline timeline: GPipe against 1F1B") + (zb_h1 ? " and ZB-H1" : "");
  TimelineFigure figure{plan.heading, {}};
  std::string problems;
  for (const auto& [run, name] : {std::pair{gpipe, "GPipe"}, std::pair{one_f_one_b, "1F1B"},
                                  std::pair{zb_h1, "ZB-H1"}}) {
    if (run == nullptr && std::string(name) == "ZB-H1") continue;
    if (run == nullptr) {
      problems += std::string(problems.empty() ? "" : "; ") + "no " + name + " run has a trace";
      continue;
    }
    try {
      StepTimeline timeline = read_median_step(run->point.trace_path);
      figure.panels.push_back({panel_title(*run, timeline), std::move(timeline)});
    } catch (const std::runtime_error& error) {
      problems += std::string(problems.empty() ? "" : "; ") + error.what();
    }
  }
  if (figure.panels.empty()) {
    plan.skip_reason = problems;
    return plan;
  }
  plan.note =
      "Rows are ranks, boxes are coloured by kind; each panel shows the measured step "
      "whose span is the median of its trace's steps, from the step's first event." +
      (problems.empty() ? std::string() : " Missing: " + problems + ".");
  plan.data = figure;
  return plan;
}

}  // namespace paratrain::report
