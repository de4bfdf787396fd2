#pragma once
// Memory per rank for a layout, without launching its ranks: the trainer's
// own constructors run against a plan-only tracker (parallel/memory_plan.h)
// on a described grid (ProcessGrid::described), so each rank's prediction is
// the runtime's allocation list, not a second formula.
#include <vector>

#include "parallel/memory_plan.h"

namespace paratrain {

// World rank `world_rank` of the layout's grid. The layout must have passed check_layout.
MemoryPlan plan_rank_memory(const TrainOptions& options, const Layout& layout, int world_rank);
// Every world rank, in rank order.
std::vector<MemoryPlan> plan_all_ranks_memory(const TrainOptions& options, const Layout& layout);
// One plan per pipeline stage (its dp 0, tp 0 rank): the replicas and the
// tensor-parallel ranks of a stage hold equal shards.
std::vector<MemoryPlan> plan_stage_memory(const TrainOptions& options, const Layout& layout);

}  // namespace paratrain
