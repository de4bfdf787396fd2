#pragma once
// For the failure tests: PARATRAIN_INJECT_FAULT="RANK:STEP:KIND" makes rank
// RANK fail when it starts step STEP, with KIND "throw" (an exception, as a
// failing library call would) or "kill" (SIGKILL, as a crashed or killed
// process). Unset, it does nothing.
#include <cstdint>

namespace paratrain {

void maybe_inject_fault(int world_rank, uint32_t step);

}  // namespace paratrain
