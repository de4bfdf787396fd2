#pragma once
// Checks a schedule before it runs: the structure rules of
// schedule_structure.h, then a replay of the lowered lists (what the
// executor runs) to find a deadlock. Accepts compute-only lists (they are
// lowered first, and problems are reported on the actions as given) or
// lowered lists.
#include <optional>
#include <string>
#include <vector>

#include "parallel/pipeline_action.h"
#include "parallel/schedule_grid.h"
#include "parallel/schedule_replay.h"

namespace paratrain {

// The lists the executor runs: `schedules` when they hold transfers,
// otherwise their lowering.
std::vector<RankSchedule> executable_lists(const std::vector<RankSchedule>& schedules,
                                           const PipelineShape& shape);

// The ranks a replay left stuck, as a problem on `schedules` (the lists as
// given: on compute-only lists a stuck receive is shown as the compute that
// needs it, waiting for the compute that feeds it); nullopt if none is stuck.
std::optional<ScheduleProblem> deadlock_problem(const std::vector<RankSchedule>& schedules,
                                                const Replay& replay);

// The first problem, or nullopt when the lists are a valid schedule for `shape`.
std::optional<ScheduleProblem> find_schedule_problem(const std::vector<RankSchedule>& schedules,
                                                     const PipelineShape& shape);

// "" when valid; otherwise the grid (one row per rank, one column per list
// position) with the offending action(s) in [brackets], then one line
// saying what is wrong.
std::string validate_schedule(const std::vector<RankSchedule>& schedules,
                              const PipelineShape& shape);

}  // namespace paratrain
