#include "parallel/schedule_lowering.h"

namespace paratrain {

namespace {

// The model stage `offset` away from (rank, chunk), if the model has it.
std::optional<Peer> stage_at_offset(const PipelineShape& shape, int rank, int chunk, int offset) {
  const int stage = model_stage(shape, rank, chunk) + offset;
  if (stage < 0 || stage >= shape.model_stages()) return std::nullopt;
  return Peer{rank_of_model_stage(shape, stage), chunk_of_model_stage(shape, stage)};
}

// Activations flow to higher stages, gradients to lower ones.
int upstream_offset(ActionKind compute) { return compute == ActionKind::kForward ? -1 : +1; }

std::optional<Action> transfer(ActionKind kind, const Action& compute,
                               const std::optional<Peer>& peer) {
  if (!peer) return std::nullopt;
  return Action{kind, compute.micro_batch, compute.chunk, peer->rank, peer->chunk};
}

}  // namespace

std::optional<Peer> input_peer(const PipelineShape& shape, int rank, int chunk,
                               ActionKind compute) {
  return stage_at_offset(shape, rank, chunk, upstream_offset(compute));
}

std::optional<Peer> output_peer(const PipelineShape& shape, int rank, int chunk,
                                ActionKind compute) {
  return stage_at_offset(shape, rank, chunk, -upstream_offset(compute));
}

std::optional<Peer> expected_peer(const PipelineShape& shape, int rank, const Action& transfer) {
  const ActionKind compute = compute_kind_of(transfer.kind);
  return is_receive(transfer.kind) ? input_peer(shape, rank, transfer.chunk, compute)
                                   : output_peer(shape, rank, transfer.chunk, compute);
}

std::optional<Action> input_transfer(const PipelineShape& shape, int rank, const Action& compute) {
  if (compute.kind == ActionKind::kWeight) return std::nullopt;  // uses what its B kept
  const ActionKind kind =
      compute.kind == ActionKind::kForward ? ActionKind::kRecvF : ActionKind::kRecvB;
  return transfer(kind, compute, input_peer(shape, rank, compute.chunk, compute.kind));
}

std::optional<Action> output_transfer(const PipelineShape& shape, int rank, const Action& compute) {
  if (compute.kind == ActionKind::kWeight) return std::nullopt;  // its result stays on the rank
  const ActionKind kind =
      compute.kind == ActionKind::kForward ? ActionKind::kSendF : ActionKind::kSendB;
  return transfer(kind, compute, output_peer(shape, rank, compute.chunk, compute.kind));
}

RankSchedule lower_rank_schedule(const PipelineShape& shape, int rank,
                                 const RankSchedule& compute_only) {
  RankSchedule lowered;
  lowered.reserve(3 * compute_only.size());
  for (const Action& action : compute_only) {
    if (!is_compute(action.kind)) {
      lowered.push_back(action);
      continue;
    }
    if (auto receive = input_transfer(shape, rank, action)) lowered.push_back(*receive);
    lowered.push_back(action);
    if (auto send = output_transfer(shape, rank, action)) lowered.push_back(*send);
  }
  return lowered;
}

std::vector<RankSchedule> lower_schedule(const std::vector<RankSchedule>& compute_only,
                                         const PipelineShape& shape) {
  std::vector<RankSchedule> lowered;
  lowered.reserve(compute_only.size());
  for (size_t rank = 0; rank < compute_only.size(); ++rank) {
    lowered.push_back(lower_rank_schedule(shape, static_cast<int>(rank), compute_only[rank]));
  }
  return lowered;
}

bool has_transfers(const std::vector<RankSchedule>& schedules) {
  for (const RankSchedule& schedule : schedules) {
    for (const Action& action : schedule) {
      if (!is_compute(action.kind)) return true;
    }
  }
  return false;
}

}  // namespace paratrain
