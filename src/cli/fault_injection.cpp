#include "cli/fault_injection.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace paratrain {

void maybe_inject_fault(int world_rank, uint32_t step) {
  static const char* spec = std::getenv("PARATRAIN_INJECT_FAULT");
  if (spec == nullptr) return;
  int rank = -1;
  unsigned fault_step = 0;
  char kind[16] = {};
  if (std::sscanf(spec, "%d:%u:%15s", &rank, &fault_step, kind) != 3) return;
  if (rank != world_rank || fault_step != step) return;
  if (std::string(kind) == "kill") std::raise(SIGKILL);
  throw std::runtime_error("injected fault at step " + std::to_string(step));
}

}  // namespace paratrain
