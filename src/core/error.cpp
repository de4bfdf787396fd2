#include "core/error.h"

namespace paratrain {

void fail_check(const char* file, int line, const std::string& what) {
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what);
}

}  // namespace paratrain
