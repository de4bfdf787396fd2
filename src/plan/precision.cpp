#include "plan/precision.h"

#include "core/error.h"

namespace paratrain {

const char* precision_name(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kBf16:
      return "bf16";
  }
  return "?";
}

Precision parse_precision(const std::string& text) {
  if (text == "fp32") return Precision::kFp32;
  if (text == "bf16") return Precision::kBf16;
  throw UsageError("--precision must be fp32 or bf16 (got '" + text + "')");
}

}  // namespace paratrain
