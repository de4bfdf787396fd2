#include "kernels/layernorm.h"

#include <cmath>
#include <cstddef>

namespace paratrain::kernels {

void layernorm_forward(const float* x, const float* weight, const float* bias, int rows, int width,
                       float* out, float* mean, float* rstd) {
  for (int row = 0; row < rows; ++row) {
    const float* in = x + static_cast<size_t>(row) * width;
    float* y = out + static_cast<size_t>(row) * width;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int col = 0; col < width; ++col) sum += in[col];
    const float mu = sum / width;
    float squares = 0.0f;
#pragma omp simd reduction(+ : squares)
    for (int col = 0; col < width; ++col) squares += (in[col] - mu) * (in[col] - mu);
    const float inv_std = 1.0f / std::sqrt(squares / width + kLayerNormEps);
#pragma omp simd
    for (int col = 0; col < width; ++col) y[col] = (in[col] - mu) * inv_std * weight[col] + bias[col];
    mean[row] = mu;
    rstd[row] = inv_std;
  }
}

void layernorm_backward(const float* dout, const float* x, const float* mean, const float* rstd,
                        const float* weight, int rows, int width, float* dx, float* dweight,
                        float* dbias) {
  for (int row = 0; row < rows; ++row) {
    const float* dy = dout + static_cast<size_t>(row) * width;
    const float* in = x + static_cast<size_t>(row) * width;
    float* dx_row = dx + static_cast<size_t>(row) * width;
    const float mu = mean[row], inv_std = rstd[row];
    // dxhat = dy * weight; dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    float sum_dxhat = 0.0f, sum_dxhat_xhat = 0.0f;
#pragma omp simd reduction(+ : sum_dxhat, sum_dxhat_xhat)
    for (int col = 0; col < width; ++col) {
      const float xhat = (in[col] - mu) * inv_std;
      const float dxhat = dy[col] * weight[col];
      sum_dxhat += dxhat;
      sum_dxhat_xhat += dxhat * xhat;
      dweight[col] += dy[col] * xhat;
      dbias[col] += dy[col];
    }
    const float mean_dxhat = sum_dxhat / width, mean_dxhat_xhat = sum_dxhat_xhat / width;
#pragma omp simd
    for (int col = 0; col < width; ++col) {
      const float xhat = (in[col] - mu) * inv_std;
      dx_row[col] += inv_std * (dy[col] * weight[col] - mean_dxhat - xhat * mean_dxhat_xhat);
    }
  }
}

}  // namespace paratrain::kernels
