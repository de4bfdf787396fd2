#pragma once
// The per-rank rules a schedule must keep before it is replayed. Lists are
// either compute-only (F and B, as generated or written by hand; they are
// lowered before they run) or lowered (with every send and receive).
//
// Compute-only: every (micro-batch, chunk) forwarded once and backwarded
// once on each rank, each backward after its own forward; a weight-gradient
// action (W) is optional, at most once, and after its own backward.
// Lowered, in addition: every transfer lowering would insert is there once,
// names the peer schedule_lowering.h gives it, and sits where the executor
// can run it: a forward or backward after the receive of its input, a send
// after the compute that produced its data, an input gradient sent before
// the chunk's next backward overwrites it, and a received gradient used
// before the chunk's next gradient receive overwrites it (one buffer each).
#include <optional>
#include <vector>

#include "parallel/pipeline_action.h"
#include "parallel/schedule_grid.h"

namespace paratrain {

// The first problem found, or nullopt. Lists with any send or receive are
// checked as lowered lists, otherwise as compute-only lists.
std::optional<ScheduleProblem> check_schedule_structure(const std::vector<RankSchedule>& schedules,
                                                        const PipelineShape& shape);

}  // namespace paratrain
