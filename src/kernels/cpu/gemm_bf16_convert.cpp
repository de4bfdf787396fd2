// In the GEMM library (not the kernels one): the emulated bf16 GEMM needs it.
#include "kernels/bf16.h"

namespace paratrain::kernels {

void round_to_bf16(const float* in, size_t count, Bf16* out) {
#pragma omp simd
  for (size_t idx = 0; idx < count; ++idx) out[idx] = to_bf16(in[idx]);
}

void widen_from_bf16(const Bf16* in, size_t count, float* out) {
#pragma omp simd
  for (size_t idx = 0; idx < count; ++idx) out[idx] = to_float(in[idx]);
}

}  // namespace paratrain::kernels
