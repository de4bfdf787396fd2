#include "parallel/schedule_simulator.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

#include "core/error.h"
#include "parallel/schedule_grid.h"
#include "parallel/schedule_replay.h"
#include "parallel/schedule_structure.h"
#include "parallel/schedule_validator.h"

namespace paratrain {

int peak_in_flight(const RankSchedule& schedule, int chunk) {
  RankSchedule on_chunk;
  for (const Action& action : schedule) {
    if (action.chunk == chunk) on_chunk.push_back(action);
  }
  return peak_in_flight_total(on_chunk);
}

int peak_in_flight_total(const RankSchedule& schedule) {
  std::set<std::pair<int, int>> split;  // (micro-batch, chunk) whose W frees the activations
  for (const Action& action : schedule) {
    if (action.kind == ActionKind::kWeight) split.insert({action.micro_batch, action.chunk});
  }
  std::set<std::pair<int, int>> in_flight;  // (micro-batch, chunk) holding activations
  size_t peak = 0;
  for (const Action& action : schedule) {
    const std::pair<int, int> key{action.micro_batch, action.chunk};
    if (action.kind == ActionKind::kForward || action.kind == ActionKind::kRecvF) {
      in_flight.insert(key);
    } else if (action.kind == ActionKind::kWeight ||
               (action.kind == ActionKind::kBackward && split.count(key) == 0)) {
      in_flight.erase(key);
    }
    peak = std::max(peak, in_flight.size());
  }
  return static_cast<int>(peak);
}

namespace {

SimulatedRun simulate_with(const std::vector<RankSchedule>& schedules, const PipelineShape& shape,
                           const ReplayCosts& costs) {
  if (auto problem = check_schedule_structure(schedules, shape)) {
    throw std::runtime_error("simulate_schedule: invalid schedule\n" +
                             render_schedule_problem(schedules, *problem));
  }
  const Replay replay = replay_lowered(executable_lists(schedules, shape), shape, costs);
  if (auto problem = deadlock_problem(schedules, replay)) {
    throw std::runtime_error("simulate_schedule: the schedule deadlocks\n" +
                             render_schedule_problem(schedules, *problem));
  }
  SimulatedRun run;
  run.makespan = *std::max_element(replay.free_at.begin(), replay.free_at.end());
  run.busy = replay.busy;
  for (double busy : run.busy) {
    run.bubble_fraction.push_back(run.makespan > 0 ? 1.0 - busy / run.makespan : 0.0);
  }
  return run;
}

}  // namespace

SimulatedRun simulate_schedule(const std::vector<RankSchedule>& schedules,
                               const PipelineShape& shape, double forward_cost,
                               double backward_cost, double comm_cost) {
  return simulate_with(schedules, shape, {forward_cost, backward_cost, comm_cost, {}, 0.0});
}

SimulatedRun simulate_schedule(const std::vector<RankSchedule>& schedules,
                               const PipelineShape& shape, double forward_cost,
                               double input_gradient_cost, double weight_gradient_cost,
                               double comm_cost) {
  return simulate_with(schedules, shape,
                       {forward_cost, input_gradient_cost + weight_gradient_cost, comm_cost, {},
                        weight_gradient_cost});
}

SimulatedRun simulate_schedule(const std::vector<RankSchedule>& schedules,
                               const PipelineShape& shape, const ActionCost& cost) {
  PT_CHECK(static_cast<bool>(cost), "simulate_schedule needs a cost function");
  return simulate_with(schedules, shape, {0, 0, 0, cost, 0.0});
}

}  // namespace paratrain
