#pragma once
// What train and bench settle before allocating a run: whether it fits, and
// (without --partition) the pipeline partition from measured unit costs.
#include <optional>
#include <string>

#include "cli/common_flags.h"
#include "comm/communicator.h"
#include "parallel/memory_plan.h"

namespace paratrain {

// Collective. Checks memory at the modelled partition (a run that cannot
// fit is refused before the profile allocates anything), then, where the
// layout pipelines and --partition asked for measured costs, profiles the
// units (parallel/partition_profile.h), fills layout.partition, tells
// rank 0's stderr which partition it chose and why, and checks memory again
// at that partition. The refusal line, if any, is set on every rank.
MemoryCheck settle_run(const CommonFlags& flags, const ProcessGrid& grid, const TokenSource& data,
                       Layout& layout);

}  // namespace paratrain
