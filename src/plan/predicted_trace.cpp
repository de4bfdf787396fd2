#include "plan/predicted_trace.h"

#include "metrics/trace.h"

namespace paratrain {

namespace {

EventKind event_kind_of(ActionKind kind) {
  switch (kind) {
    case ActionKind::kForward:
      return EventKind::kForward;
    case ActionKind::kBackward:
      return EventKind::kBackward;
    case ActionKind::kWeight:
      return EventKind::kWeight;
    case ActionKind::kRecvF:
    case ActionKind::kRecvB:
      return EventKind::kRecv;
    case ActionKind::kSendF:
    case ActionKind::kSendB:
      return EventKind::kSend;
  }
  return EventKind::kOther;
}

}  // namespace

std::vector<Timeline> predicted_timelines(const PlanTarget& target, const StepPrediction& prediction) {
  std::vector<Timeline> timelines(prediction.stages.size());
  replay_predicted_pipeline(target, [&](int pp_rank, const Action& action, double begin, double end) {
    if (end > begin) {
      // Unlabelled, as the executor records them: the names match a measured trace's.
      timelines[pp_rank].record({event_kind_of(action.kind), begin, end, action.micro_batch, action.chunk, 0,
                                 nullptr});
    }
  });
  for (size_t pp_rank = 0; pp_rank < prediction.stages.size(); ++pp_rank) {
    const StagePrediction& stage = prediction.stages[pp_rank];
    double at = stage.pipeline_s;
    const EventKind sync_kind =
        target.layout.zero == ZeroStage::kOptimizerState ? EventKind::kReduceScatter : EventKind::kAllReduce;
    if (stage.dp_sync_s > 0) {
      timelines[pp_rank].record({sync_kind, at, at + stage.dp_sync_s, -1, -1, 0, "predicted: dp gradient sync"});
    }
    at += stage.dp_sync_s;
    timelines[pp_rank].record({EventKind::kOptimizer, at, at + stage.optimizer_s, -1, -1, 0, "predicted: adamw"});
    at += stage.optimizer_s;
    if (prediction.step_s > at) {
      timelines[pp_rank].record({EventKind::kWait, at, prediction.step_s, -1, -1, 0, "predicted: wait: loss all-reduce"});
    }
  }
  return timelines;
}

void write_predicted_trace(const std::string& path, const PlanTarget& target,
                           const StepPrediction& prediction) {
  const std::vector<Timeline> timelines = predicted_timelines(target, prediction);
  std::vector<std::string> per_rank;
  for (size_t pp_rank = 0; pp_rank < timelines.size(); ++pp_rank) {
    const int world_rank = rank_of(target.layout.grid, {0, static_cast<int>(pp_rank), 0});
    per_rank.push_back(trace_events(timelines[pp_rank], world_rank,
                                    "predicted pp " + std::to_string(pp_rank) + " (rank " +
                                        std::to_string(world_rank) + ")",
                                    0.0));
  }
  write_trace(path, per_rank);
}

}  // namespace paratrain
