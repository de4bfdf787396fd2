#include "kernels/linear_bf16.h"

#include <cstddef>

#include "kernels/gemm_bf16.h"

namespace paratrain::kernels {

void linear_forward_bf16(const Bf16* x, const Bf16* weight, int rows, int in, int out, float* y) {
  gemm_bf16(Trans::kNo, Trans::kYes, rows, out, in, 1.0f, x, in, weight, in, 0.0f, y, out);
}

void linear_backward_bf16(const float* dy, const Bf16* x, const Bf16* weight, int rows, int in,
                          int out, Bf16* dy_bf16, float* dx, float* dweight) {
  round_to_bf16(dy, static_cast<size_t>(rows) * out, dy_bf16);
  if (dx != nullptr) {
    gemm_bf16(Trans::kNo, Trans::kNo, rows, in, out, 1.0f, dy_bf16, out, weight, in, 0.0f, dx, in);
  }
  gemm_bf16(Trans::kYes, Trans::kNo, out, in, rows, 1.0f, dy_bf16, out, x, in, 1.0f, dweight, in);
}

void linear_backward_input_bf16(const float* dy, const Bf16* weight, int rows, int in, int out,
                                Bf16* dy_bf16, float* dx) {
  round_to_bf16(dy, static_cast<size_t>(rows) * out, dy_bf16);
  gemm_bf16(Trans::kNo, Trans::kNo, rows, in, out, 1.0f, dy_bf16, out, weight, in, 0.0f, dx, in);
}

void linear_backward_weight_bf16(const float* dy, const Bf16* x, int rows, int in, int out,
                                 Bf16* dy_bf16, float* dweight) {
  round_to_bf16(dy, static_cast<size_t>(rows) * out, dy_bf16);
  gemm_bf16(Trans::kYes, Trans::kNo, out, in, rows, 1.0f, dy_bf16, out, x, in, 1.0f, dweight, in);
}

}  // namespace paratrain::kernels
