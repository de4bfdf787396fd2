// GPipe against 1F1B, one measured step of each, drawn from their traces.
#include <stdexcept>

#include "report/run_selection.h"
#include "report/summary_figures.h"

namespace paratrain::report {

namespace {

bool same_shape(const RunRecord& a, const RunRecord& b) {
  return a.config == b.config && a.layout.pp == b.layout.pp && a.layout.dp == b.layout.dp &&
         a.layout.micro_batch == b.layout.micro_batch;
}

const RunRecord* first_traced(const Results& results, Schedule schedule, const RunRecord* like) {
  for (const RunRecord& run : results.runs) {
    if (run.layout.schedule != schedule || run.sweep.trace_path.empty()) continue;
    if (like == nullptr || same_shape(run, *like)) return &run;
  }
  return nullptr;
}

// A GPipe and a 1F1B run with traces, of the same shape when there is one.
std::pair<const RunRecord*, const RunRecord*> traced_pair(const Results& results) {
  for (const RunRecord& gpipe : results.runs) {
    if (gpipe.layout.schedule != Schedule::gpipe || gpipe.sweep.trace_path.empty()) continue;
    if (const RunRecord* match = first_traced(results, Schedule::one_f_one_b, &gpipe)) {
      return {&gpipe, match};
    }
  }
  return {first_traced(results, Schedule::gpipe, nullptr),
          first_traced(results, Schedule::one_f_one_b, nullptr)};
}

std::string panel_title(const RunRecord& run, const StepTimeline& timeline) {
  return run.sweep.strategy + ": " + describe(run.config) + ", micro-batch " +
         std::to_string(run.layout.micro_batch) +
         " (m=" + std::to_string(run.layout.micro_batches) + "), step " +
         std::to_string(timeline.step);
}

}  // namespace

FigurePlan timeline_figure(const Results& results) {
  FigurePlan plan;
  plan.stem = "pipeline_timeline";
  plan.heading = "Pipeline timeline: GPipe against 1F1B";
  TimelineFigure figure{plan.heading, {}};
  const auto [gpipe, one_f_one_b] = traced_pair(results);
  std::string problems;
  for (const auto& [run, name] : {std::pair{gpipe, "GPipe"}, std::pair{one_f_one_b, "1F1B"}}) {
    if (run == nullptr) {
      problems += std::string(problems.empty() ? "" : "; ") + "no " + name + " run has a trace";
      continue;
    }
    try {
      StepTimeline timeline = read_median_step(run->sweep.trace_path);
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
