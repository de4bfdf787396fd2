#include "parallel/schedule_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "parallel/schedule_lowering.h"
#include "parallel/schedule_validator.h"

namespace paratrain {

namespace {

std::string strip_comment(const std::string& line) { return line.substr(0, line.find('#')); }

// "0..3" for a count of 4.
std::string index_range(int count) { return "0.." + std::to_string(count - 1); }

// The file must be written for this layout: as many lists as ranks, and the
// same micro-batches and chunks.
void check_fits(const std::vector<RankSchedule>& schedules, const PipelineShape& shape,
                const std::string& prefix) {
  if (static_cast<int>(schedules.size()) != shape.stages) {
    throw UsageError(prefix + "holds " + std::to_string(schedules.size()) +
                     " rank lines, but --pp is " + std::to_string(shape.stages));
  }
  int micro_batches = 0, chunks = 0;
  for (const RankSchedule& schedule : schedules) {
    for (const Action& action : schedule) {
      micro_batches = std::max(micro_batches, action.micro_batch + 1);
      chunks = std::max(chunks, action.chunk + 1);
    }
  }
  if (micro_batches != shape.micro_batches) {
    throw UsageError(prefix + "schedules micro-batches " + index_range(micro_batches) +
                     ", but the layout has " + std::to_string(shape.micro_batches) +
                     " (--batch-size / --dp / --micro-batch)");
  }
  if (chunks != shape.virtual_stages) {
    throw UsageError(prefix + "uses chunks " + index_range(chunks) + ", but --virtual-stages is " +
                     std::to_string(shape.virtual_stages));
  }
}

}  // namespace

std::string schedules_text(const std::vector<RankSchedule>& schedules) {
  std::string text;
  for (const RankSchedule& schedule : schedules) text += schedule_text(schedule) + '\n';
  return text;
}

std::vector<RankSchedule> parse_schedules_text(const std::string& text, const std::string& source) {
  std::vector<RankSchedule> schedules;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream tokens(strip_comment(line));
    RankSchedule schedule;
    std::string token;
    while (tokens >> token) {
      const std::optional<Action> action = parse_action(token);
      if (!action) {
        throw UsageError(source + ": rank " + std::to_string(schedules.size()) + " position " +
                         std::to_string(schedule.size()) + ": '" + token +
                         "' is not an action (like 1F0, 0B1, 1SEND_F0@r1c0, 1RECV_F0@r0c0)");
      }
      schedule.push_back(*action);
    }
    if (!schedule.empty()) schedules.push_back(std::move(schedule));
  }
  return schedules;
}

std::vector<RankSchedule> load_schedule_file(const std::string& path, const PipelineShape& shape) {
  const std::string source = "--schedule-file " + path;
  check_pipeline_counts(shape);
  std::ifstream file(path);
  if (!file) throw UsageError(source + ": cannot open the file");
  std::stringstream contents;
  contents << file.rdbuf();
  const std::vector<RankSchedule> schedules = parse_schedules_text(contents.str(), source);
  check_fits(schedules, shape, source + ": the file ");
  if (auto problem = find_schedule_problem(schedules, shape)) {
    throw UsageError(source + ": " + problem->message);
  }
  return executable_lists(schedules, shape);
}

std::vector<RankSchedule> pipeline_schedules(ScheduleKind kind, const std::string& schedule_file,
                                             const PipelineShape& shape) {
  if (!schedule_file.empty()) return load_schedule_file(schedule_file, shape);
  return lower_schedule(generate_schedule(kind, shape), shape);
}

}  // namespace paratrain
