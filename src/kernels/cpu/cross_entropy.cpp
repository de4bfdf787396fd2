#include "kernels/cross_entropy.h"

#include <cmath>
#include <cstddef>

namespace paratrain::kernels {

double cross_entropy_forward_backward(float* logits, const int32_t* targets, int rows, int vocab,
                                      float grad_scale) {
  double loss_sum = 0.0;
  for (int row = 0; row < rows; ++row) {
    float* z = logits + static_cast<size_t>(row) * vocab;
    float max_logit = z[0];
    for (int col = 1; col < vocab; ++col) max_logit = std::fmax(max_logit, z[col]);
    float sum_exp = 0.0f;
#pragma omp simd reduction(+ : sum_exp)
    for (int col = 0; col < vocab; ++col) {
      z[col] = std::exp(z[col] - max_logit);
      sum_exp += z[col];
    }
    const int target = targets[row];
    // loss = log(sum exp) - (z_target - max), with z now holding exp(z - max)
    loss_sum += std::log(static_cast<double>(sum_exp)) - std::log(static_cast<double>(z[target]));
    const float scale = grad_scale / sum_exp;
#pragma omp simd
    for (int col = 0; col < vocab; ++col) z[col] *= scale;
    z[target] -= grad_scale;
  }
  return loss_sum;
}

}  // namespace paratrain::kernels
