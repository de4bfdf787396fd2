#include <cmath>
#include <cstddef>

#include "kernels/cross_entropy.h"

namespace paratrain::kernels {

void vocab_shard_max_and_target(const float* logits, const int32_t* targets, int rows,
                                int vocab_count, int vocab_begin, float* row_max,
                                float* target_logit) {
  for (int row = 0; row < rows; ++row) {
    const float* z = logits + static_cast<size_t>(row) * vocab_count;
    float max_logit = z[0];
    for (int col = 1; col < vocab_count; ++col) max_logit = std::fmax(max_logit, z[col]);
    row_max[row] = max_logit;
    const int local = targets[row] - vocab_begin;
    target_logit[row] = (local >= 0 && local < vocab_count) ? z[local] : 0.0f;
  }
}

void vocab_shard_exp(float* logits, const float* row_max, int rows, int vocab_count,
                     float* row_sum) {
  for (int row = 0; row < rows; ++row) {
    float* z = logits + static_cast<size_t>(row) * vocab_count;
    const float shift = row_max[row];
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int col = 0; col < vocab_count; ++col) {
      z[col] = std::exp(z[col] - shift);
      sum += z[col];
    }
    row_sum[row] = sum;
  }
}

double vocab_shard_finish(float* logits, const int32_t* targets, const float* row_max,
                          const float* row_sum, const float* target_logit, int rows,
                          int vocab_count, int vocab_begin, float grad_scale) {
  double loss_sum = 0.0;
  for (int row = 0; row < rows; ++row) {
    float* z = logits + static_cast<size_t>(row) * vocab_count;
    loss_sum += std::log(static_cast<double>(row_sum[row])) + row_max[row] - target_logit[row];
    const float scale = grad_scale / row_sum[row];
#pragma omp simd
    for (int col = 0; col < vocab_count; ++col) z[col] *= scale;
    const int local = targets[row] - vocab_begin;
    if (local >= 0 && local < vocab_count) z[local] -= grad_scale;
  }
  return loss_sum;
}

}  // namespace paratrain::kernels
