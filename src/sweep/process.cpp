#include "sweep/process.h"

#include <filesystem>

namespace paratrain {

std::string failure_line(const std::string& err) {
  // A rank that mpirun stopped after another rank failed says "paratrain:
  // stopped by SIGTERM"; that is a consequence, not the reason. Preferred, in
  // order: the last line paratrain said about a failure, then the last line
  // anyone else said (mpirun naming a killed rank), then the stop itself.
  std::string last_other, last_paratrain, last_stopped;
  size_t begin = 0;
  while (begin < err.size()) {
    size_t end = err.find('\n', begin);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(begin, end - begin);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    begin = end + 1;
    if (line.empty()) continue;
    if (line.rfind("paratrain: stopped by", 0) == 0) {
      last_stopped = line;
    } else if (line.rfind("paratrain:", 0) == 0) {
      last_paratrain = line;
    } else {
      last_other = line;
    }
  }
  if (!last_paratrain.empty()) return last_paratrain;
  return last_other.empty() ? last_stopped : last_other;
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

}  // namespace paratrain
