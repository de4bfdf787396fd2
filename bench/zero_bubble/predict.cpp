// Predicted per-stage bubble of a pipeline schedule from measured per-rank
// action times, through paratrain's own simulator (simulate_schedule with an
// ActionCost). Built and run by bench/zero_bubble/measure.sh.
//   predict SCHEDULE P M COMM_S  F_0 B_0 W_0  F_1 B_1 W_1 ...
// F_r, B_r, W_r: rank r's mean forward, backward (the input gradient where the
// schedule splits it) and weight-gradient seconds (0 when it has none).
// Prints one line per rank: rank busy_s bubble, then the step time.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "parallel/schedule.h"

int main(int argc, char** argv) {
  using namespace paratrain;
  if (argc < 5) {
    std::fprintf(stderr, "usage: predict SCHEDULE P M COMM_S F_0 B_0 W_0 ...\n");
    return 2;
  }
  const ScheduleKind kind = parse_schedule_kind(argv[1]);
  const PipelineShape shape{std::atoi(argv[2]), std::atoi(argv[3]), 1};
  const double comm = std::atof(argv[4]);
  if (argc != 5 + 3 * shape.stages) {
    std::fprintf(stderr, "predict: need F B W for each of the %d ranks\n", shape.stages);
    return 2;
  }
  std::vector<double> costs;
  for (int arg = 5; arg < argc; ++arg) costs.push_back(std::atof(argv[arg]));
  const ActionCost cost = [&](int rank, const Action& action) {
    switch (action.kind) {
      case ActionKind::kForward:
        return costs[3 * rank];
      case ActionKind::kBackward:
        return costs[3 * rank + 1];
      case ActionKind::kWeight:
        return costs[3 * rank + 2];
      default:
        return comm;
    }
  };
  const SimulatedRun run = simulate_schedule(generate_schedule(kind, shape), shape, cost);
  for (int rank = 0; rank < shape.stages; ++rank) {
    std::printf("%d %.6f %.4f\n", rank, run.busy[rank], run.bubble_fraction[rank]);
  }
  std::printf("step %.6f\n", run.makespan);
  return 0;
}
