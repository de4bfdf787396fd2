#include "parallel/schedule_validator.h"

#include <algorithm>

#include "parallel/schedule_lowering.h"
#include "parallel/schedule_structure.h"

namespace paratrain {

namespace {

// Where a stuck receive shows on the lists as given, and what it waits for.
struct StuckView {
  size_t position = 0;
  std::string action;   // the stuck action's text
  std::string awaited;  // the text of the action it waits for
};

// On lowered lists: the receive itself and the send it waits for.
// On compute-only lists: the compute the receive feeds, and the compute on
// the sender whose result the send carries.
StuckView view_of(const StuckReceive& stuck, const RankSchedule& as_given, bool lowered) {
  if (lowered) {
    return {stuck.position, action_text(stuck.receive), action_text(stuck.awaited_send)};
  }
  const Action needing{compute_kind_of(stuck.receive.kind), stuck.receive.micro_batch,
                       stuck.receive.chunk};
  const Action feeding{compute_kind_of(stuck.awaited_send.kind), stuck.awaited_send.micro_batch,
                       stuck.awaited_send.chunk};
  const auto found = std::find(as_given.begin(), as_given.end(), needing);
  return {static_cast<size_t>(found - as_given.begin()), action_text(needing),
          action_text(feeding)};
}

}  // namespace

std::vector<RankSchedule> executable_lists(const std::vector<RankSchedule>& schedules,
                                           const PipelineShape& shape) {
  return has_transfers(schedules) ? schedules : lower_schedule(schedules, shape);
}

std::optional<ScheduleProblem> deadlock_problem(const std::vector<RankSchedule>& schedules,
                                                const Replay& replay) {
  if (replay.stuck.empty()) return std::nullopt;
  const bool lowered = has_transfers(schedules);
  ScheduleProblem problem;
  for (const StuckReceive& stuck : replay.stuck) {
    const StuckView view = view_of(stuck, schedules[stuck.rank], lowered);
    problem.marks.push_back({stuck.rank, view.position, ""});
    problem.message += (problem.message.empty() ? "deadlock: no rank can progress; " : "; ") +
                       at_position(stuck.rank, view.position) + view.action + " waits for " +
                       view.awaited + " on rank " + std::to_string(stuck.sender_rank);
  }
  return problem;
}

std::optional<ScheduleProblem> find_schedule_problem(const std::vector<RankSchedule>& schedules,
                                                     const PipelineShape& shape) {
  if (auto problem = check_schedule_structure(schedules, shape)) return problem;
  const Replay replay = replay_lowered(executable_lists(schedules, shape), shape, ReplayCosts{});
  return deadlock_problem(schedules, replay);
}

std::string validate_schedule(const std::vector<RankSchedule>& schedules,
                              const PipelineShape& shape) {
  const std::optional<ScheduleProblem> problem = find_schedule_problem(schedules, shape);
  return problem ? render_schedule_problem(schedules, *problem) : "";
}

}  // namespace paratrain
