#pragma once
// What the validator found wrong with a schedule, and the grid that shows
// it: one row per rank, one column per list position, the offending
// action(s) in [brackets], then one line saying what is wrong.
#include <string>
#include <vector>

#include "parallel/pipeline_action.h"

namespace paratrain {

// A cell to mark: position == the rank's list size marks a missing action,
// drawn after the end of the row as "[missing_text missing]".
struct ScheduleMark {
  int rank = 0;
  size_t position = 0;
  std::string missing_text;
};

struct ScheduleProblem {
  std::vector<ScheduleMark> marks;
  std::string message;  // one line: where (rank, position, action) and which rule
};

// The grid, then the problem's message, each line ending in '\n'.
std::string render_schedule_problem(const std::vector<RankSchedule>& schedules,
                                    const ScheduleProblem& problem);

// "rank 1 position 3: ", the prefix of every message about one action.
std::string at_position(int rank, size_t position);

}  // namespace paratrain
