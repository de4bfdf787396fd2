#include "plan/memory_prediction.h"

#include "io/token_source.h"

namespace paratrain {

MemoryPlan plan_rank_memory(const TrainOptions& options, const Layout& layout, int world_rank) {
  const ProcessGrid grid = ProcessGrid::described(layout.grid, world_rank);
  const SyntheticTokens data(options.seed, options.model.vocab_size, options.model.seq_len);
  return plan_trainer_memory(options, layout, grid, data);
}

std::vector<MemoryPlan> plan_all_ranks_memory(const TrainOptions& options, const Layout& layout) {
  std::vector<MemoryPlan> plans;
  for (int rank = 0; rank < layout.grid.world(); ++rank) {
    plans.push_back(plan_rank_memory(options, layout, rank));
  }
  return plans;
}

std::vector<MemoryPlan> plan_stage_memory(const TrainOptions& options, const Layout& layout) {
  std::vector<MemoryPlan> plans;
  for (int stage = 0; stage < layout.grid.pp; ++stage) {
    plans.push_back(plan_rank_memory(options, layout, rank_of(layout.grid, {0, stage, 0})));
  }
  return plans;
}

}  // namespace paratrain
