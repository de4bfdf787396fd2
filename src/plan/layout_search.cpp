#include "plan/layout_search.h"

#include <algorithm>

#include "core/error.h"
#include "plan/memory_prediction.h"
#include "record/strategy_name.h"

namespace paratrain {

std::string layout_label(const Layout& layout, const ModelConfig& model) {
  return strategy_name(layout) + "/mb" + std::to_string(layout.micro_batch_size(model));
}

namespace {

constexpr const char* kRecomputeSuffix = "+recompute-";

}  // namespace

std::string planned_label(const Layout& layout, const ModelConfig& model, Recompute recompute) {
  std::string label = layout_label(layout, model);
  if (recompute != Recompute::kNone) label += std::string(kRecomputeSuffix) + recompute_name(recompute);
  return label;
}

std::pair<std::string, Recompute> split_recompute_label(const std::string& label) {
  const size_t at = label.rfind(kRecomputeSuffix);
  if (at == std::string::npos) return {label, Recompute::kNone};
  const std::string mode = label.substr(at + std::string(kRecomputeSuffix).size());
  return {label.substr(0, at), parse_recompute(mode, "the layout's recompute suffix")};
}

namespace {

std::vector<int> divisors(int value) {
  std::vector<int> found;
  for (int candidate = 1; candidate <= value; ++candidate) {
    if (value % candidate == 0) found.push_back(candidate);
  }
  return found;
}

// Schedules (and their virtual stages) worth trying for pp stages.
std::vector<std::pair<ScheduleKind, int>> schedule_choices(int pp) {
  if (pp == 1) return {{ScheduleKind::kOneFOneB, 1}};
  return {{ScheduleKind::kGPipe, 1},
          {ScheduleKind::kOneFOneB, 1},
          {ScheduleKind::kInterleaved, 2},
          {ScheduleKind::kZbH1, 1},
          {ScheduleKind::kZbH2, 1}};
}

bool accepted(const ModelConfig& model, const Layout& layout) {
  try {
    check_layout(model, layout, layout.grid.world());
    return true;
  } catch (const UsageError&) {
    return false;
  }
}

}  // namespace

std::vector<Layout> enumerate_layouts(const ModelConfig& model, int ranks) {
  std::vector<Layout> layouts;
  for (int dp : divisors(ranks)) {
    for (int tp : divisors(ranks / dp)) {
      const int pp = ranks / dp / tp;
      if (model.batch_size % dp != 0) continue;
      for (auto [schedule, virtual_stages] : schedule_choices(pp)) {
        for (int micro : divisors(model.batch_size / dp)) {
          for (bool sequence_parallel : {false, true}) {
            if (sequence_parallel && tp == 1) continue;
            for (ZeroStage zero : {ZeroStage::kNone, ZeroStage::kOptimizerState}) {
              if (zero == ZeroStage::kOptimizerState && dp == 1) continue;
              Layout layout;
              layout.grid = {dp, pp, tp};
              layout.schedule = schedule;
              layout.virtual_stages = virtual_stages;
              layout.micro_batch = micro;
              layout.sequence_parallel = sequence_parallel;
              layout.zero = zero;
              if (accepted(model, layout)) layouts.push_back(layout);
            }
          }
        }
      }
    }
  }
  return layouts;
}

std::vector<PlannedLayout> plan_layouts(const PlanRequest& request) {
  const double memory = request.memory_per_device > 0 ? request.memory_per_device
                                                      : request.cluster.device.memory_bytes;
  std::vector<PlannedLayout> planned;
  for (const Layout& layout : enumerate_layouts(request.options.model, request.ranks)) {
    for (Recompute recompute : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
      PlanTarget target{request.options, layout, request.precision, request.cluster};
      target.options.model.recompute = recompute;
      if (!accepted(target.options.model, layout)) continue;  // zero-bubble refuses full recompute
      PlannedLayout entry;
      entry.layout = layout;
      entry.recompute = recompute;
      entry.label = planned_label(layout, target.options.model, recompute);
      entry.prediction = predict_step(target, plan_stage_memory(target.options, layout));
      entry.fits = static_cast<double>(entry.prediction.peak_bytes) <= memory;
      planned.push_back(std::move(entry));
    }
  }
  std::stable_sort(planned.begin(), planned.end(), [](const PlannedLayout& a, const PlannedLayout& b) {
    if (a.fits != b.fits) return a.fits;
    return a.prediction.tokens_per_s > b.prediction.tokens_per_s;
  });
  return planned;
}

std::string best_fitting_hint(const std::vector<PlannedLayout>& planned, int ranks) {
  if (planned.empty() || !planned.front().fits) return "";
  return "the best layout that fits on " + std::to_string(ranks) + " ranks is " + planned.front().label +
         " (paratrain plan --ranks " + std::to_string(ranks) + ")";
}

}  // namespace paratrain
