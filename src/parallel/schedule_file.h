#pragma once
// Schedules as text files (--schedule-file): one line per pipeline rank, in
// rank order, its actions separated by blanks in the notation of
// pipeline_action.h; '#' starts a comment, blank lines are skipped. A file
// of compute actions only (1F0 0B0 ...) is lowered; a file with sends and
// receives is taken as the lowered lists themselves and must hold every one.
#include <string>
#include <vector>

#include "parallel/pipeline_action.h"
#include "parallel/schedule_generators.h"

namespace paratrain {

// The file form: each list's schedule_text on its own line.
std::string schedules_text(const std::vector<RankSchedule>& schedules);

// Reads the file form. A token that is not an action is a UsageError naming
// `source`, the rank and the position.
std::vector<RankSchedule> parse_schedules_text(const std::string& text, const std::string& source);

// Reads `path` and checks it against the layout's shape (ranks, micro-batches,
// chunks) and the validator's rules; returns the lowered lists. Anything
// wrong is a one-line UsageError naming the file and the bad action.
std::vector<RankSchedule> load_schedule_file(const std::string& path, const PipelineShape& shape);

// The lowered lists the pipeline runs: the file's when one is given,
// otherwise the generated schedule of `kind`.
std::vector<RankSchedule> pipeline_schedules(ScheduleKind kind, const std::string& schedule_file,
                                             const PipelineShape& shape);

}  // namespace paratrain
