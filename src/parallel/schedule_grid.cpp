#include "parallel/schedule_grid.h"

#include <algorithm>

namespace paratrain {

namespace {

std::vector<std::string> row_cells(const RankSchedule& schedule, int rank,
                                   const std::vector<ScheduleMark>& marks) {
  std::vector<std::string> cells;
  for (const Action& action : schedule) cells.push_back(" " + action_text(action) + " ");
  for (const ScheduleMark& mark : marks) {
    if (mark.rank != rank) continue;
    if (mark.position < cells.size()) {
      cells[mark.position] = "[" + action_text(schedule[mark.position]) + "]";
    } else {
      cells.push_back("[" + mark.missing_text + " missing]");
    }
  }
  return cells;
}

std::string pad(const std::string& text, size_t width) {
  return text + std::string(width - std::min(width, text.size()), ' ');
}

// One row of the grid: the label, then each cell padded to its column's width.
std::string grid_line(const std::string& label, const std::vector<std::string>& cells,
                      const std::vector<size_t>& widths) {
  std::string line = pad(label, 8);
  for (size_t column = 0; column < cells.size(); ++column) {
    line += ' ' + pad(cells[column], widths[column]);
  }
  line.erase(line.find_last_not_of(' ') + 1);
  return line + '\n';
}

}  // namespace

std::string render_schedule_problem(const std::vector<RankSchedule>& schedules,
                                    const ScheduleProblem& problem) {
  std::vector<std::vector<std::string>> rows;
  size_t columns = 0;
  for (size_t rank = 0; rank < schedules.size(); ++rank) {
    rows.push_back(row_cells(schedules[rank], static_cast<int>(rank), problem.marks));
    columns = std::max(columns, rows.back().size());
  }
  std::vector<size_t> widths(columns, 0);
  for (size_t column = 0; column < columns; ++column) {
    widths[column] = std::to_string(column).size() + 2;
    for (const auto& row : rows) {
      if (column < row.size()) widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::vector<std::string> header;
  for (size_t column = 0; column < columns; ++column) {
    header.push_back(" " + std::to_string(column));
  }
  std::string out = grid_line("position", header, widths);
  for (size_t rank = 0; rank < rows.size(); ++rank) {
    out += grid_line("rank " + std::to_string(rank), rows[rank], widths);
  }
  return out + problem.message + '\n';
}

std::string at_position(int rank, size_t position) {
  return "rank " + std::to_string(rank) + " position " + std::to_string(position) + ": ";
}

}  // namespace paratrain
