#include "record/strategy_name.h"

#include <vector>

namespace paratrain {

std::string strategy_name(const Layout& layout) {
  std::vector<std::string> parts;
  const GridShape& grid = layout.grid;
  if (grid.dp > 1) parts.push_back("dp" + std::to_string(grid.dp) + (layout.zero == ZeroStage::kOptimizerState ? "-zero1" : ""));
  if (grid.tp > 1) {
    parts.push_back("tp" + std::to_string(grid.tp) + (layout.sequence_parallel ? "-sp" : ""));
  }
  if (grid.pp > 1) {
    std::string part = "pp" + std::to_string(grid.pp) + "-" + schedule_kind_name(layout.schedule);
    if (layout.schedule == ScheduleKind::kInterleaved) part += "-v" + std::to_string(layout.virtual_stages);
    parts.push_back(part);
  }
  if (parts.empty()) return "seq";
  std::string name = parts.front();
  for (size_t index = 1; index < parts.size(); ++index) name += "x" + parts[index];
  return name;
}

}  // namespace paratrain
