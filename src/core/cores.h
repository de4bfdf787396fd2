#pragma once
// The cores this process may run on.

namespace paratrain {

// sched_getaffinity's count (1 if it cannot be read).
int usable_cores();

}  // namespace paratrain
