#pragma once
// Predictions from a schedule alone: the time each rank is busy and idle
// (the bubble), and the activations each rank holds.
#include <vector>

#include "parallel/pipeline_action.h"
#include "parallel/schedule_replay.h"

namespace paratrain {

// Largest number of micro-batches whose activations `chunk` holds at once
// (resp. summed over all chunks of the rank): held from the receive of the
// input (or the forward, where nothing is received) to the backward, or to
// the weight-gradient action (W) when the list splits that backward.
int peak_in_flight(const RankSchedule& schedule, int chunk);
int peak_in_flight_total(const RankSchedule& schedule);

struct SimulatedRun {
  double makespan = 0;                  // time the last action of any rank ends
  std::vector<double> busy;             // (p) compute time per rank
  std::vector<double> bubble_fraction;  // (p) 1 - busy / makespan
};

// Replays the lists (compute-only ones are lowered first) as the executor
// runs them (schedule_replay.h): each forward or backward of one model stage
// costs forward_cost or backward_cost, a transfer between ranks comm_cost.
// Throws std::runtime_error with the validator's grid when the lists are
// malformed or deadlock.
SimulatedRun simulate_schedule(const std::vector<RankSchedule>& schedules,
                               const PipelineShape& shape, double forward_cost,
                               double backward_cost, double comm_cost);

// The same for lists that split backwards (zero-bubble schedules): a whole
// backward costs input_gradient_cost + weight_gradient_cost; where a kWeight
// splits it, the kBackward costs input_gradient_cost and the kWeight
// weight_gradient_cost.
SimulatedRun simulate_schedule(const std::vector<RankSchedule>& schedules,
                               const PipelineShape& shape, double forward_cost,
                               double input_gradient_cost, double weight_gradient_cost,
                               double comm_cost);

// The same with a cost per action and rank (ActionCost, schedule_replay.h):
// stages of unequal work, measured or modelled times.
SimulatedRun simulate_schedule(const std::vector<RankSchedule>& schedules,
                               const PipelineShape& shape, const ActionCost& cost);

}  // namespace paratrain
