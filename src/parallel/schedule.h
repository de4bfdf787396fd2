#pragma once
// Pipeline schedules as data (DESIGN.md principle 3). A schedule is, for each
// pipeline rank, the ordered list of Forward / Backward actions that rank
// runs. Generators build the lists; the validator checks them (each action
// once, dependencies respected, no deadlock) and prints a grid with the bad
// action marked; the simulator replays them with per-action costs to predict
// the bubble. Everything here is pure: no MPI, no model.
//
// Executor semantics the checks assume: sends are non-blocking, receives
// block. A forward of model stage s > 0 receives the activation of
// (micro-batch, s - 1); a backward of stage s < S - 1 receives the gradient of
// (micro-batch, s + 1); a backward also needs its own forward.
#include <cstdint>
#include <string>
#include <vector>

namespace paratrain {

enum class ScheduleKind { kGPipe, kOneFOneB, kInterleaved };

// "gpipe" | "1f1b" | "interleaved"; anything else is a UsageError naming --schedule.
ScheduleKind parse_schedule_kind(const std::string& text);
const char* schedule_kind_name(ScheduleKind kind);

enum class ActionKind : uint8_t { kForward, kBackward };

struct Action {
  ActionKind kind;
  int micro_batch;  // 0..m-1
  int chunk;        // local virtual-stage index 0..v-1 on the rank
};
bool operator==(const Action& left, const Action& right);

struct PipelineShape {
  int stages = 1;          // p: pipeline ranks (--pp)
  int micro_batches = 1;   // m: micro-batches per optimizer step
  int virtual_stages = 1;  // v: chunks per rank (--virtual-stages)
  int model_stages() const { return stages * virtual_stages; }
};

using RankSchedule = std::vector<Action>;

// Megatron's interleaved placement: chunk c of rank r is model stage c * stages + r,
// so consecutive model stages sit on consecutive ranks and wrap around.
int model_stage(const PipelineShape& shape, int rank, int chunk);
int rank_of_model_stage(const PipelineShape& shape, int model_stage);
int chunk_of_model_stage(const PipelineShape& shape, int model_stage);

// Throws UsageError naming the flag and the rule: p, m, v >= 1; interleaved
// needs v >= 2 and m a multiple of p; gpipe and 1f1b need v == 1.
void check_pipeline_shape(ScheduleKind kind, const PipelineShape& shape);

// One list per pipeline rank (index = rank). Checks the shape first.
std::vector<RankSchedule> generate_schedule(ScheduleKind kind, const PipelineShape& shape);

// Forwards rank `rank` runs before its first backward in 1F1B: min(p - r - 1, m).
int one_f_one_b_warmup(int stages, int rank, int micro_batches);
// Megatron's interleaved warm-up, counted in (micro-batch, chunk) forwards:
// min((p - r - 1) * 2 + (v - 1) * p, m * v).
int interleaved_warmup(const PipelineShape& shape, int rank);

// Text form as in PyTorch pipelining: "1F0" = forward of micro-batch 1 on
// chunk 0, "0B3" = backward of micro-batch 0 on chunk 3.
std::string action_text(const Action& action);
std::string schedule_text(const RankSchedule& schedule);  // actions separated by spaces

// "" when the lists are a valid schedule for `shape`; otherwise a grid (one
// row per rank, one column per list position) with the offending action(s)
// in [brackets], then one line saying what is wrong.
std::string validate_schedule(const std::vector<RankSchedule>& schedules,
                              const PipelineShape& shape);

// Largest number of micro-batches forwarded but not yet backwarded on
// `chunk` (resp. summed over all chunks of the rank): the activations held.
int peak_in_flight(const RankSchedule& schedule, int chunk);
int peak_in_flight_total(const RankSchedule& schedule);

struct SimulatedRun {
  double makespan = 0;                  // time the last action of any rank ends
  std::vector<double> busy;             // (p) compute time per rank
  std::vector<double> bubble_fraction;  // (p) 1 - busy / makespan
};

// Replays the lists: each rank runs its actions in order; an action starts
// when the rank is free and its inputs exist (finished, plus comm_cost when
// the input comes from another rank). Each action of one model stage costs
// forward_cost or backward_cost. Throws std::runtime_error with the grid when
// the lists are malformed or deadlock.
SimulatedRun simulate_schedule(const std::vector<RankSchedule>& schedules,
                               const PipelineShape& shape, double forward_cost,
                               double backward_cost, double comm_cost);

}  // namespace paratrain
