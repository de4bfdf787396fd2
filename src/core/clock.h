#pragma once
#include <chrono>

namespace paratrain {

// Seconds on a monotonic clock; only differences mean anything.
inline double now_seconds() {
  using Clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

}  // namespace paratrain
