#pragma once
// Reading the validator's report in the schedule tests: its grid rows and its
// closing line (what is wrong).
#include <sstream>
#include <string>

namespace paratrain::testing {

// The grid row of `rank` in a validation report; "" when it has none.
inline std::string grid_row(const std::string& report, int rank) {
  std::istringstream in(report);
  std::string line;
  const std::string label = "rank " + std::to_string(rank) + " ";
  while (std::getline(in, line)) {
    if (line.rfind(label, 0) == 0 && line.find("position") == std::string::npos) return line;
  }
  return "";
}

inline std::string last_line(const std::string& report) {
  std::string trimmed = report;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

}  // namespace paratrain::testing
