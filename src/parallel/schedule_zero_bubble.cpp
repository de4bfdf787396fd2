#include "parallel/schedule_zero_bubble.h"

#include <algorithm>

#include "core/error.h"

namespace paratrain {

RankSchedule zero_bubble_rank_schedule(const PipelineShape& shape, int rank, int memory_factor) {
  PT_CHECK(shape.virtual_stages == 1 && memory_factor >= 1 && rank >= 0 && rank < shape.stages,
           "zero-bubble schedules take one chunk per rank and a memory factor >= 1");
  const int p = shape.stages, m = shape.micro_batches;
  const int warmup = std::min(m, memory_factor * (p - 1 - rank));
  const int held_back = memory_factor * rank;  // F B pairs whose W waits for the end
  int forwards = 0, backwards = 0, weights = 0;
  RankSchedule schedule;
  schedule.reserve(3 * static_cast<size_t>(m));
  auto run = [&](ActionKind kind, int& count) { schedule.push_back({kind, count++, 0}); };
  while (forwards < warmup) run(ActionKind::kForward, forwards);
  for (int pair = 0; pair < held_back && forwards < m; ++pair) {
    run(ActionKind::kForward, forwards);
    run(ActionKind::kBackward, backwards);
  }
  while (forwards < m) {
    run(ActionKind::kForward, forwards);
    run(ActionKind::kBackward, backwards);
    run(ActionKind::kWeight, weights);
  }
  while (backwards < m) {
    run(ActionKind::kBackward, backwards);
    run(ActionKind::kWeight, weights);
  }
  while (weights < m) run(ActionKind::kWeight, weights);
  return schedule;
}

}  // namespace paratrain
