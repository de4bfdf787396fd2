#include "sweep/process.h"

#include <filesystem>

namespace paratrain {

std::string failure_line(const std::string& err) {
  std::string last, last_paratrain;
  size_t begin = 0;
  while (begin < err.size()) {
    size_t end = err.find('\n', begin);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(begin, end - begin);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) last = line;
    // A rank stopped by mpirun after another rank failed says so; the failure is the reason.
    const bool stopped = line.rfind("paratrain: stopped by", 0) == 0;
    if (line.rfind("paratrain:", 0) == 0 && !(stopped && !last_paratrain.empty())) last_paratrain = line;
    begin = end + 1;
  }
  return last_paratrain.empty() ? last : last_paratrain;
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

}  // namespace paratrain
