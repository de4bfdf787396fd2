#pragma once
// What the matmuls read (DESIGN.md principle 7). The planner prices a GEMM at
// the device's rate for this precision; the runtime's own precision flag
// (another branch) plugs in here when it lands: its enum maps onto this one.
#include <string>

namespace paratrain {

enum class Precision { kFp32, kBf16 };
inline constexpr int kPrecisionCount = 2;

const char* precision_name(Precision precision);  // "fp32", "bf16"
// UsageError naming --precision for anything else.
Precision parse_precision(const std::string& text);

}  // namespace paratrain
