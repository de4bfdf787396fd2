#pragma once
// The one line of a run refused before allocating (parallel/memory_plan.h's
// check_memory), with the planner's best layout that fits beside it.
#include <string>

#include "parallel/trainer.h"

namespace paratrain {

void print_memory_refusal(const std::string& refusal, const TrainOptions& options, int ranks);

}  // namespace paratrain
