#include "parallel/schedule_replay.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

#include "core/error.h"

namespace paratrain {

namespace {

// A send as (sender rank, kind, micro-batch, chunk, peer rank, peer chunk).
using SendKey = std::array<int, 6>;

SendKey key_of(int sender_rank, const Action& send) {
  return {sender_rank,    static_cast<int>(send.kind), send.micro_batch, send.chunk, send.peer_rank,
          send.peer_chunk};
}

// The (micro-batch, chunk) pairs whose backward a kWeight splits, on one rank.
using SplitBackwards = std::set<std::pair<int, int>>;

SplitBackwards split_backwards(const RankSchedule& schedule) {
  SplitBackwards split;
  for (const Action& action : schedule) {
    if (action.kind == ActionKind::kWeight) split.insert({action.micro_batch, action.chunk});
  }
  return split;
}

double uniform_compute_cost(const ReplayCosts& costs, const Action& action,
                            const SplitBackwards& split) {
  switch (action.kind) {
    case ActionKind::kForward:
      return costs.forward;
    case ActionKind::kWeight:
      return costs.weight;
    default:
      return split.count({action.micro_batch, action.chunk}) != 0 ? costs.backward - costs.weight
                                                                  : costs.backward;
  }
}

struct ReplayState {
  Replay replay;
  std::vector<SplitBackwards> split;  // (p) per rank
  std::vector<size_t> cursor;         // (p) next position in each rank's list
  std::map<SendKey, double> sent_at;  // when each send has run
};

// Runs the rank's next actions until one is a receive whose send has not
// run yet; true if any ran. A rank's actions depend only on the one before
// them and on sends, so the order ranks are advanced in does not change times.
bool advance_rank(ReplayState& state, const RankSchedule& schedule, int rank,
                  const ReplayCosts& costs, const ActionObserver& observer) {
  bool progressed = false;
  double& free_at = state.replay.free_at[rank];
  while (state.cursor[rank] < schedule.size()) {
    const Action& action = schedule[state.cursor[rank]];
    if (is_receive(action.kind)) {
      const auto sent = state.sent_at.find(key_of(action.peer_rank, matching_send(action, rank)));
      if (sent == state.sent_at.end()) break;
      const double transfer = action.peer_rank == rank ? 0.0
                              : costs.per_action  ? costs.per_action(rank, action)
                                                  : costs.comm;
      const double begin = free_at;
      free_at = std::max(free_at, sent->second + transfer);
      if (observer) observer(rank, action, begin, free_at);
    } else if (is_send(action.kind)) {
      state.sent_at[key_of(rank, action)] = free_at;
    } else {
      const double cost = costs.per_action ? costs.per_action(rank, action)
                                           : uniform_compute_cost(costs, action, state.split[rank]);
      if (observer) observer(rank, action, free_at, free_at + cost);
      free_at += cost;
      state.replay.busy[rank] += cost;
    }
    ++state.cursor[rank];
    progressed = true;
  }
  return progressed;
}

}  // namespace

Replay replay_lowered(const std::vector<RankSchedule>& lowered, const PipelineShape& shape,
                      const ReplayCosts& costs) {
  return replay_lowered(lowered, shape, costs, ActionObserver{});
}

Replay replay_lowered(const std::vector<RankSchedule>& lowered, const PipelineShape& shape,
                      const ReplayCosts& costs, const ActionObserver& observer) {
  PT_CHECK(static_cast<int>(lowered.size()) == shape.stages, "replay needs one list per rank");
  ReplayState state;
  state.cursor.assign(shape.stages, 0);
  state.replay.free_at.assign(shape.stages, 0.0);
  state.replay.busy.assign(shape.stages, 0.0);
  for (const RankSchedule& schedule : lowered) state.split.push_back(split_backwards(schedule));
  bool progressed = true;
  while (progressed) {
    progressed = false;
    for (int rank = 0; rank < shape.stages; ++rank) {
      progressed = advance_rank(state, lowered[rank], rank, costs, observer) || progressed;
    }
  }
  for (int rank = 0; rank < shape.stages; ++rank) {
    const size_t position = state.cursor[rank];
    if (position == lowered[rank].size()) continue;
    const Action& receive = lowered[rank][position];
    state.replay.stuck.push_back(
        {rank, position, receive, receive.peer_rank, matching_send(receive, rank)});
  }
  return state.replay;
}

}  // namespace paratrain
