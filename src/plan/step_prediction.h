#pragma once
// The planner's prediction for one layout (issue 12): the runtime's own
// schedule (generator + lowering) gives each pipeline rank's list, the cost
// model prices each action, simulate_schedule replays them; data-parallel
// gradient sync, the optimizer and the step-end loss all-reduce follow.
// Memory comes from the runtime's allocation plan (memory_prediction.h).
#include <functional>
#include <vector>

#include "parallel/memory_plan.h"
#include "parallel/pipeline_action.h"
#include "parallel/trainer.h"
#include "plan/cluster.h"
#include "plan/precision.h"

namespace paratrain {

struct PlanTarget {
  TrainOptions options;  // the model, and the seed the memory plan builds with
  Layout layout;         // checked (check_layout) by the caller
  Precision precision = Precision::kFp32;
  ClusterDescription cluster;
};

struct StagePrediction {
  double pipeline_s = 0;     // when the rank's last pipeline action ends
  double busy_s = 0;         // its forward and backward compute (tp collectives included)
  double tp_comm_s = 0;      // tensor-parallel collectives inside that compute
  double p2p_wait_s = 0;     // blocked in pipeline receives
  double dp_sync_s = 0;      // gradient sync not hidden behind backward
  double optimizer_s = 0;
  double end_s = 0;          // pipeline + sync + optimizer
  double bubble = 0;         // (blocked receives + the wait for the slowest rank) / step
  double exposed_comm = 0;   // (tp + exposed dp + blocked receives) / step
  MemoryPlan memory;         // its dp 0, tp 0 rank's plan
};

struct StepPrediction {
  double step_s = 0;
  double tokens_per_s = 0;
  double tokens_per_s_per_device = 0;
  double model_flops_per_token = 0;
  double mfu = 0;
  std::vector<StagePrediction> stages;  // (pp)
  size_t peak_bytes = 0;  // the largest rank's planned peak
};

// Seconds each action of the lowered lists takes, by pipeline rank: the
// cost the simulator replays (compute: the chunk's units; a receive: the
// transfer over the link between the two stages).
ActionCost pipeline_action_cost(const PlanTarget& target);

StepPrediction predict_step(const PlanTarget& target);
// The same, with the memory plans given (the search computes them once per layout).
StepPrediction predict_step(const PlanTarget& target, const std::vector<MemoryPlan>& stage_memory);

// One predicted event of the step, for --explain's trace.
using PredictedEventSink = std::function<void(int pp_rank, const Action& action, double begin, double end)>;
// Replays the step's lists, telling `sink` of each compute action and receive.
void replay_predicted_pipeline(const PlanTarget& target, const PredictedEventSink& sink);

}  // namespace paratrain
