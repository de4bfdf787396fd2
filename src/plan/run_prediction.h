#pragma once
// The planner's word on one run, for the run's own record and its refusal.
#include <string>

#include "plan/step_prediction.h"
#include "record/prediction_record.h"

namespace paratrain {

// predicted.tokens_per_s, step_s and every world rank's planned peak.
PredictionRecord predict_run(const PlanTarget& target);

// A CPU core at round, documented-as-nominal rates (50 GFLOP/s GEMM,
// 10 GB/s vector kernels, a 2 us + 5 GB/s link): enough to order layouts
// where measuring would cost more than the answer (a refusal's hint).
ClusterDescription nominal_cpu_cluster(int devices, double memory_per_device);

// For a refused run: "the best layout that fits on N ranks is X (...)" from
// the planner, or "no layout of this model fits N ranks of B bytes".
std::string refusal_hint(const TrainOptions& options, int ranks, double memory_per_rank);

}  // namespace paratrain
