#pragma once
// Every valid layout of a model on N ranks, each predicted (step_prediction.h),
// those that do not fit memory marked, best first.
#include <string>
#include <utility>
#include <vector>

#include "model/precision.h"
#include "plan/step_prediction.h"

namespace paratrain {

struct PlanRequest {
  TrainOptions options;
  int ranks = 1;
  Precision precision = Precision::kFp32;
  ClusterDescription cluster;
  double memory_per_device = 0;  // bytes a rank may hold; 0: the device's memory
};

struct PlannedLayout {
  Layout layout;
  Recompute recompute = Recompute::kNone;  // the model's --recompute this entry was planned with
  std::string label;  // layout_label(), "+recompute-<mode>" when recompute is not none
  StepPrediction prediction;
  bool fits = true;   // the largest rank's planned peak fits memory_per_device
};

// "<strategy name>/mb<micro-batch size>", e.g. "dp2xpp2-1f1b/mb4" (record/strategy_name.h).
std::string layout_label(const Layout& layout, const ModelConfig& model);
// layout_label() with "+recompute-selective" or "+recompute-full" appended
// when recompute is not none; split_recompute_label() undoes the suffix.
std::string planned_label(const Layout& layout, const ModelConfig& model, Recompute recompute);
// The label without its recompute suffix, and the mode (none without one).
std::pair<std::string, Recompute> split_recompute_label(const std::string& label);

// dp x tp x pp = ranks; for pp > 1 GPipe, 1F1B and interleaved (v = 2);
// every micro-batch size dividing the replica's batch; sequence parallelism
// with tp > 1; ZeRO-1 with dp > 1. Only those check_layout accepts.
// (Precision is the request's; plan_layouts adds recompute.)
std::vector<Layout> enumerate_layouts(const ModelConfig& model, int ranks);

// Every enumerated layout under each --recompute mode the layout accepts
// (none, selective, full; the request model's own mode is not a filter:
// recompute is one of the choices the planner makes), predicted, fitting
// ones first, each group by predicted tokens/s, best first.
std::vector<PlannedLayout> plan_layouts(const PlanRequest& request);

// The best fitting layout's line for a refusal ("the best layout that fits
// on N ranks is X (paratrain plan --ranks N)"), or empty when none fits.
std::string best_fitting_hint(const std::vector<PlannedLayout>& planned, int ranks);

}  // namespace paratrain
