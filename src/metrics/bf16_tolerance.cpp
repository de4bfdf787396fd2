#include "metrics/bf16_tolerance.h"

#include <cmath>

namespace paratrain {

double bf16_norm_allowance(int rounded_matmuls) {
  return rounded_matmuls * 2.0 * kBf16UnitRoundoff;
}

int bf16_logit_matmuls(int n_layers) { return 6 * n_layers + 1; }
int bf16_grad_matmuls(int n_layers) { return 2 * bf16_logit_matmuls(n_layers); }

Tolerance widen_for_bf16(const Tolerance& file, double allowance, double rms) {
  return {file.rtol, file.atol + allowance * rms};
}

double rms_of(const float* values, size_t count) {
  if (count == 0) return 0.0;
  double sum = 0.0;
  for (size_t idx = 0; idx < count; ++idx) sum += static_cast<double>(values[idx]) * values[idx];
  return std::sqrt(sum / static_cast<double>(count));
}

}  // namespace paratrain
