#include "kernels/adamw.h"

#include <cmath>

namespace paratrain::kernels {

void adamw_step(float* param, const float* grad, float* moment1, float* moment2, size_t count,
                const AdamWHyper& hyper, bool decay, long step_count) {
  const double t = static_cast<double>(step_count);
  const float bias1 = static_cast<float>(1.0 - std::pow(hyper.beta1, t));
  const float bias2 = static_cast<float>(1.0 - std::pow(hyper.beta2, t));
  const float decay_factor = decay ? 1.0f - hyper.lr * hyper.weight_decay : 1.0f;
  const float step_size = hyper.lr / bias1;
  const float inv_sqrt_bias2 = 1.0f / std::sqrt(bias2);
  const float beta1 = hyper.beta1, beta2 = hyper.beta2, eps = hyper.eps;
#pragma omp simd
  for (size_t idx = 0; idx < count; ++idx) {
    const float g = grad[idx];
    const float m = beta1 * moment1[idx] + (1.0f - beta1) * g;
    const float v = beta2 * moment2[idx] + (1.0f - beta2) * g * g;
    moment1[idx] = m;
    moment2[idx] = v;
    // p - lr * (m / bias1) / (sqrt(v / bias2) + eps), after the decoupled decay
    param[idx] = param[idx] * decay_factor - step_size * m / (std::sqrt(v) * inv_sqrt_bias2 + eps);
  }
}

}  // namespace paratrain::kernels
