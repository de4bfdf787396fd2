#pragma once
// Replays lowered lists the way the executor runs them: each rank runs its
// actions in order; compute takes its cost, a send never waits (non-blocking),
// a receive waits until the peer has run the matching send, plus comm_cost
// when the peer is another rank. Used by the validator (zero costs: does
// every rank finish?) and the simulator (when does each finish?).
#include <functional>
#include <vector>

#include "parallel/pipeline_action.h"

namespace paratrain {

// Seconds one action takes on `rank`: a compute action its work, a receive
// from another rank the transfer it waits for after the matching send ran
// (a send itself is asked nothing: it never waits). A kBackward's work is the
// whole backward (input and weight gradients) unless the rank's list also
// holds a kWeight for the same micro-batch and chunk (has_weight_action,
// pipeline_action.h): then it is the input gradient only, and the kWeight
// is asked for the weight gradients.
using ActionCost = std::function<double(int rank, const Action& action)>;

struct ReplayCosts {
  double forward = 0;   // one forward of one model stage
  double backward = 0;  // one whole backward (input and weight gradients) of one model stage
  double comm = 0;      // a transfer between two ranks (zero within a rank)
  // When set, replaces the uniform costs (measured or modelled per-action
  // costs: a stage may be slower than another).
  ActionCost per_action;
  // The part of `backward` that a split-off kWeight takes; its kBackward then
  // costs backward - weight. Unused by lists without kWeight.
  double weight = 0;
};

// A receive that can never complete: its rank is stuck there.
struct StuckReceive {
  int rank = 0;
  size_t position = 0;  // in the rank's lowered list
  Action receive{};     // the action there
  int sender_rank = 0;
  Action awaited_send{};  // the send the receive waits for, as the sender's list names it
};

struct Replay {
  std::vector<double> free_at;      // (p) when each rank ends its last action
  std::vector<double> busy;         // (p) compute time per rank
  std::vector<StuckReceive> stuck;  // empty when every rank ran its whole list
};

// The lists must be structurally valid lowered lists (the validator's
// structure check), so that only receives can wait.
Replay replay_lowered(const std::vector<RankSchedule>& lowered, const PipelineShape& shape,
                      const ReplayCosts& costs);

// Told of every compute action and every receive as it is replayed:
// [begin, end) on its rank (a receive's is the time it blocks). The planner
// draws its predicted step from these.
using ActionObserver = std::function<void(int rank, const Action& action, double begin, double end)>;
Replay replay_lowered(const std::vector<RankSchedule>& lowered, const PipelineShape& shape,
                      const ReplayCosts& costs, const ActionObserver& observer);

}  // namespace paratrain
