#include "plan/step_prediction.h"

#include <algorithm>
#include <memory>

#include "core/error.h"
#include "parallel/schedule.h"
#include "plan/collective_cost.h"
#include "plan/memory_prediction.h"
#include "plan/unit_work.h"

namespace paratrain {

namespace {

// One chunk's forward and backward for one micro-batch on one pipeline rank.
struct ChunkCost {
  UnitSeconds forward;
  UnitSeconds backward;
};

struct PipelineCosts {
  std::vector<std::vector<ChunkCost>> chunks;  // (pp, v)
  std::vector<double> receive_s;               // (pp) one activation from a neighbour stage
  bool split_backward = false;                 // the lists hold W actions: B is the input gradient only
};

int world_rank_of_stage(const GridShape& grid, int pp_rank) { return rank_of(grid, {0, pp_rank, 0}); }

PipelineCosts pipeline_costs(const PlanTarget& target) {
  const ModelConfig& model = target.options.model;
  const Layout& layout = target.layout;
  const PipelineShape shape = layout.pipeline_shape(model);
  const std::vector<int> partition = stage_partition(model, layout);
  const ShardShape shard{layout.micro_batch_size(model), layout.grid.tp, layout.sequence_parallel};
  PipelineCosts costs;
  for (int pp_rank = 0; pp_rank < shape.stages; ++pp_rank) {
    const int world_rank = world_rank_of_stage(layout.grid, pp_rank);
    const LinkCost& tp_link = axis_link(target.cluster, layout.grid, world_rank, Axis::kTensor);
    std::vector<ChunkCost> chunk_costs;
    for (int chunk = 0; chunk < shape.virtual_stages; ++chunk) {
      const UnitRange units = stage_units(model, partition, model_stage(shape, pp_rank, chunk));
      ChunkCost cost;
      for (const UnitPiece& piece : pieces_of(model, units.begin, units.end)) {
        for (Pass pass : {Pass::kForward, Pass::kBackward}) {
          const UnitSeconds seconds =
              unit_seconds(piece_work(model, piece, shard, pass), target.cluster.device, target.precision,
                           model.seq_len, tp_link, layout.grid.tp);
          UnitSeconds& sum = pass == Pass::kForward ? cost.forward : cost.backward;
          sum.compute += seconds.compute;
          sum.tp_comm += seconds.tp_comm;
          sum.weight_gradient += seconds.weight_gradient;
        }
      }
      chunk_costs.push_back(cost);
    }
    costs.chunks.push_back(chunk_costs);
    // The activation (or its gradient) a stage receives: the trainer's
    // activation_elements, over the link to the previous stage's rank.
    const int local_seq = layout.sequence_parallel ? model.seq_len / layout.grid.tp : model.seq_len;
    const double bytes = 4.0 * shard.samples * static_cast<double>(local_seq) * model.d_model;
    const int neighbour = world_rank_of_stage(layout.grid, (pp_rank + 1) % shape.stages);
    costs.receive_s.push_back(
        point_to_point_seconds(group_link(target.cluster, {world_rank, neighbour}), bytes));
  }
  for (const RankSchedule& list : pipeline_schedules(layout.schedule, layout.schedule_file, shape)) {
    for (const Action& action : list) costs.split_backward |= action.kind == ActionKind::kWeight;
  }
  return costs;
}

ActionCost cost_of(std::shared_ptr<const PipelineCosts> costs) {
  return [costs](int rank, const Action& action) -> double {
    const ChunkCost& chunk = costs->chunks[rank][action.chunk];
    switch (action.kind) {
      case ActionKind::kForward:
        return chunk.forward.total();
      case ActionKind::kBackward:  // with W actions in the lists, B is the input gradient only
        return chunk.backward.total() - (costs->split_backward ? chunk.backward.weight_gradient : 0.0);
      case ActionKind::kWeight:
        return chunk.backward.weight_gradient;
      case ActionKind::kRecvF:
      case ActionKind::kRecvB:
        return costs->receive_s[rank];
      case ActionKind::kSendF:
      case ActionKind::kSendB:
        return 0.0;  // sends never wait (the receive carries the transfer)
    }
    PT_CHECK(false, "unknown ActionKind");
    return 0.0;
  };
}

// Gradient sync and the optimizer after the pipeline, for one stage's rank.
void add_sync_and_optimizer(const PlanTarget& target, const ChunkCost& last_backward,
                            StagePrediction& stage) {
  const Layout& layout = target.layout;
  const ClusterDescription& cluster = target.cluster;
  const int world_rank = world_rank_of_stage(layout.grid, 0);
  const LinkCost& dp_link = axis_link(cluster, layout.grid, world_rank, Axis::kData);
  const int dp = layout.grid.dp;
  const double gradient_bytes =
      static_cast<double>(stage.memory.category_bytes[static_cast<int>(MemoryCategory::kGradients)]);
  double optimizer_elements = gradient_bytes / 4.0;
  if (dp > 1 && layout.zero == ZeroStage::kOptimizerState) {
    // ZeRO-1: reduce-scatter the gradients, step the shard, all-gather the parameters.
    stage.dp_sync_s = collective_seconds(Collective::kReduceScatter, dp_link, dp, gradient_bytes) +
                      collective_seconds(Collective::kAllGather, dp_link, dp, gradient_bytes);
    optimizer_elements /= dp;
  } else if (dp > 1) {
    // Buckets all-reduce while the last micro-batch's backward runs, as far
    // as the cluster's collectives progress beside compute: what does not fit
    // behind it, or at least the last bucket, is exposed.
    const double bucket = std::min(gradient_bytes, static_cast<double>(layout.bucket_bytes));
    const double buckets = std::max(1.0, gradient_bytes / std::max(bucket, 1.0));
    const double per_bucket = collective_seconds(Collective::kAllReduce, dp_link, dp, bucket);
    const double total = per_bucket * buckets;
    const double hidden = std::min(total, last_backward.backward.total()) * cluster.collective_overlap;
    stage.dp_sync_s = std::max(per_bucket, total - hidden);
  }
  stage.optimizer_s = adamw_seconds(optimizer_elements, cluster.device);
}

}  // namespace

ActionCost pipeline_action_cost(const PlanTarget& target) {
  return cost_of(std::make_shared<const PipelineCosts>(pipeline_costs(target)));
}

StepPrediction predict_step(const PlanTarget& target) {
  return predict_step(target, plan_stage_memory(target.options, target.layout));
}

StepPrediction predict_step(const PlanTarget& target, const std::vector<MemoryPlan>& stage_memory) {
  const ModelConfig& model = target.options.model;
  const Layout& layout = target.layout;
  const PipelineShape shape = layout.pipeline_shape(model);
  PT_CHECK(static_cast<int>(stage_memory.size()) == shape.stages, "one memory plan per stage");
  const auto costs = std::make_shared<const PipelineCosts>(pipeline_costs(target));
  const std::vector<RankSchedule> lists = pipeline_schedules(layout.schedule, layout.schedule_file, shape);
  const SimulatedRun run = simulate_schedule(lists, shape, cost_of(costs));

  StepPrediction prediction;
  for (int pp_rank = 0; pp_rank < shape.stages; ++pp_rank) {
    StagePrediction stage;
    stage.memory = stage_memory[pp_rank];
    stage.busy_s = run.busy[pp_rank];
    for (const ChunkCost& chunk : costs->chunks[pp_rank]) {
      stage.tp_comm_s += shape.micro_batches * (chunk.forward.tp_comm + chunk.backward.tp_comm);
    }
    add_sync_and_optimizer(target, costs->chunks[pp_rank].front(), stage);
    prediction.stages.push_back(stage);
  }
  // Each rank's pipeline end comes from the replay: its last action.
  std::vector<double> free_at(shape.stages, 0.0);
  replay_predicted_pipeline(target, [&](int pp_rank, const Action& action, double begin, double end) {
    free_at[pp_rank] = std::max(free_at[pp_rank], end);
    if (is_receive(action.kind)) prediction.stages[pp_rank].p2p_wait_s += end - begin;
  });
  double slowest = 0;
  for (int pp_rank = 0; pp_rank < shape.stages; ++pp_rank) {
    StagePrediction& stage = prediction.stages[pp_rank];
    stage.pipeline_s = free_at[pp_rank];
    stage.end_s = stage.pipeline_s + stage.dp_sync_s + stage.optimizer_s;
    slowest = std::max(slowest, stage.end_s);
    prediction.peak_bytes = std::max(prediction.peak_bytes, stage.memory.total_bytes);
  }
  // The step ends with the loss all-reduce over the world, after the slowest rank.
  const int world = layout.grid.world();
  std::vector<int> all_ranks(world);
  for (int rank = 0; rank < world; ++rank) all_ranks[rank] = rank;
  prediction.step_s = slowest + collective_seconds(Collective::kAllReduce,
                                                   group_link(target.cluster, all_ranks), world, 8.0);
  const double tokens = static_cast<double>(model.batch_size) * model.seq_len;
  prediction.tokens_per_s = tokens / prediction.step_s;
  prediction.tokens_per_s_per_device = prediction.tokens_per_s / world;
  prediction.model_flops_per_token = model.flops_per_token();
  prediction.mfu = prediction.model_flops_per_token * prediction.tokens_per_s_per_device /
                   peak_flops_per_s(target.cluster.device, target.precision);
  for (StagePrediction& stage : prediction.stages) {
    // As measured: blocked in pipeline receives, plus the wait for the slowest rank at the end.
    stage.bubble = (stage.p2p_wait_s + prediction.step_s - stage.end_s) / prediction.step_s;
    stage.exposed_comm = (stage.tp_comm_s + stage.dp_sync_s + stage.p2p_wait_s) / prediction.step_s;
  }
  return prediction;
}

void replay_predicted_pipeline(const PlanTarget& target, const PredictedEventSink& sink) {
  const ModelConfig& model = target.options.model;
  const PipelineShape shape = target.layout.pipeline_shape(model);
  const std::vector<RankSchedule> lists =
      pipeline_schedules(target.layout.schedule, target.layout.schedule_file, shape);
  ReplayCosts costs;
  costs.per_action = pipeline_action_cost(target);
  replay_lowered(lists, shape, costs, sink);
}

}  // namespace paratrain
