#include "plan/run_prediction.h"

#include <cstdio>

#include "plan/layout_search.h"
#include "plan/memory_prediction.h"

namespace paratrain {

PredictionRecord predict_run(const PlanTarget& target) {
  const StepPrediction prediction = predict_step(target);
  PredictionRecord record;
  record.tokens_per_s = prediction.tokens_per_s;
  record.step_s = prediction.step_s;
  for (const MemoryPlan& plan : plan_all_ranks_memory(target.options, target.layout)) {
    record.peak_bytes.push_back(static_cast<int64_t>(plan.total_bytes));
  }
  record.cluster = target.cluster.name;
  for (const StagePrediction& stage : prediction.stages) {
    record.stage_busy_s.push_back(stage.busy_s);
    record.stage_bubble.push_back(stage.bubble);
  }
  return record;
}

ClusterDescription nominal_cpu_cluster(int devices, double memory_per_device) {
  ClusterDescription cluster;
  cluster.name = "nominal CPU cores";
  cluster.devices_per_node = devices;
  cluster.device.name = "nominal CPU core";
  cluster.device.peak_flops_per_s[static_cast<int>(Precision::kFp32)] = 50e9;
  cluster.device.memory_bytes = memory_per_device;
  cluster.device.memory_bandwidth_bytes_per_s = 10e9;
  cluster.intra_node = {2e-6, 5e9};
  cluster.inter_node = cluster.intra_node;
  return cluster;
}

std::string refusal_hint(const TrainOptions& options, int ranks, double memory_per_rank) {
  PlanRequest request;
  request.options = options;
  request.ranks = ranks;
  request.cluster = nominal_cpu_cluster(ranks, memory_per_rank);
  request.memory_per_device = memory_per_rank;
  const std::string hint = best_fitting_hint(plan_layouts(request), ranks);
  if (!hint.empty()) return hint;
  char bytes[64];
  std::snprintf(bytes, sizeof(bytes), "%.2f GiB", memory_per_rank / (1u << 30));
  return "no layout of this model on " + std::to_string(ranks) + " ranks fits " + bytes + " per rank";
}

}  // namespace paratrain
