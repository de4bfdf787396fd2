#include "model/precision.h"

#include "core/error.h"

namespace paratrain {

Precision parse_precision(const std::string& text, const char* flag) {
  if (text == "fp32") return Precision::kFp32;
  if (text == "bf16") return Precision::kBf16;
  throw UsageError(std::string(flag) + " must be fp32 or bf16 (got '" + text + "')");
}

const char* precision_name(Precision precision) {
  return precision == Precision::kBf16 ? "bf16" : "fp32";
}

Recompute parse_recompute(const std::string& text, const char* flag) {
  if (text == "none") return Recompute::kNone;
  if (text == "selective") return Recompute::kSelective;
  if (text == "full") return Recompute::kFull;
  throw UsageError(std::string(flag) + " must be none, selective or full (got '" + text + "')");
}

const char* recompute_name(Recompute recompute) {
  switch (recompute) {
    case Recompute::kNone: return "none";
    case Recompute::kSelective: return "selective";
    case Recompute::kFull: return "full";
  }
  return "none";
}

}  // namespace paratrain
