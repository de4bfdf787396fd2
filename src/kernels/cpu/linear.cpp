#include "kernels/linear.h"

#include <cstddef>

#include "kernels/gemm.h"

namespace paratrain::kernels {

void linear_forward(const float* x, const float* weight, const float* bias, int rows, int in,
                    int out, float* y) {
  gemm(Trans::kNo, Trans::kYes, rows, out, in, 1.0f, x, in, weight, in, 0.0f, y, out);
  if (bias == nullptr) return;
  for (int row = 0; row < rows; ++row) {
    float* y_row = y + static_cast<size_t>(row) * out;
#pragma omp simd
    for (int col = 0; col < out; ++col) y_row[col] += bias[col];
  }
}

void linear_backward(const float* dy, const float* x, const float* weight, int rows, int in, int out,
                     float* dx, bool accumulate_dx, float* dweight, float* dbias) {
  if (dx != nullptr) linear_backward_input(dy, weight, rows, in, out, dx, accumulate_dx);
  linear_backward_weight(dy, x, rows, in, out, dweight, dbias);
}

void linear_backward_input(const float* dy, const float* weight, int rows, int in, int out,
                           float* dx, bool accumulate_dx) {
  gemm(Trans::kNo, Trans::kNo, rows, in, out, 1.0f, dy, out, weight, in,
       accumulate_dx ? 1.0f : 0.0f, dx, in);
}

void linear_backward_weight(const float* dy, const float* x, int rows, int in, int out,
                            float* dweight, float* dbias) {
  gemm(Trans::kYes, Trans::kNo, out, in, rows, 1.0f, dy, out, x, in, 1.0f, dweight, in);
  if (dbias == nullptr) return;
  for (int row = 0; row < rows; ++row) {
    const float* dy_row = dy + static_cast<size_t>(row) * out;
#pragma omp simd
    for (int col = 0; col < out; ++col) dbias[col] += dy_row[col];
  }
}

}  // namespace paratrain::kernels
