#include "metrics/tolerance.h"

#include <cmath>
#include <cstdio>

namespace paratrain {

void ToleranceCheck::compare(const std::string& tensor, const float* actual, const float* expected,
                             size_t count, const Tolerance& tolerance, const bool* loose,
                             const Tolerance& loose_tolerance) {
  for (size_t idx = 0; idx < count; ++idx) {
    const Tolerance& rule = (loose != nullptr && loose[idx]) ? loose_tolerance : tolerance;
    const double want = expected[idx], got = actual[idx];
    const double error = std::fabs(got - want);
    const double allowed = rule.atol + rule.rtol * std::fabs(want);
    const double ratio = std::isfinite(error) ? error / allowed : INFINITY;
    ++elements_;
    if (!(ratio <= 1.0)) ++failures_;
    max_abs_ = std::fmax(max_abs_, error);
    // Relative error only where it means something: above the absolute floor.
    if (std::fabs(want) > rule.atol) max_rel_ = std::fmax(max_rel_, error / std::fabs(want));
    if (!(ratio <= worst_ratio_)) {
      worst_ratio_ = ratio;
      worst_tensor_ = tensor;
    }
  }
}

std::string ToleranceCheck::summary() const {
  char line[512];
  std::snprintf(line, sizeof line,
                "%-7s %s  max abs err %.3e  max rel err %.3e  worst err/allowed %.3f in %s  "
                "(%zu of %zu elements outside)",
                group_.c_str(), passed() ? "ok  " : "FAIL", max_abs_, max_rel_, worst_ratio_,
                worst_tensor_.c_str(), failures_, elements_);
  return line;
}

}  // namespace paratrain
