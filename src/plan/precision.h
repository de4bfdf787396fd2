#pragma once
// The planner prices a GEMM at the device's rate for the run's precision:
// the runtime's own enum (model/precision.h), and how many there are.
#include "model/precision.h"

namespace paratrain {

inline constexpr int kPrecisionCount = 2;

}  // namespace paratrain
