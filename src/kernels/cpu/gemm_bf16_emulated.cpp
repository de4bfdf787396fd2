#include <cstddef>
#include <vector>

#include "kernels/gemm_bf16.h"

namespace paratrain::kernels {

namespace {

// The stored extent of a (rows, cols) row-major matrix with leading dimension ld.
size_t stored_elements(int rows, int cols, int ld) {
  return rows == 0 || cols == 0 ? 0 : static_cast<size_t>(rows - 1) * ld + cols;
}

}  // namespace

void gemm_bf16_emulated(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha,
                        const Bf16* a, int lda, const Bf16* b, int ldb, float beta, float* c,
                        int ldc) {
  // Scratch outside the memory tracker, like a GEMM library's own packing
  // buffers: it holds one GEMM's inputs and grows to the largest.
  thread_local std::vector<float> wide_a, wide_b;
  const size_t a_count = trans_a == Trans::kNo ? stored_elements(m, k, lda) : stored_elements(k, m, lda);
  const size_t b_count = trans_b == Trans::kNo ? stored_elements(k, n, ldb) : stored_elements(n, k, ldb);
  if (wide_a.size() < a_count) wide_a.resize(a_count);
  if (wide_b.size() < b_count) wide_b.resize(b_count);
  widen_from_bf16(a, a_count, wide_a.data());
  widen_from_bf16(b, b_count, wide_b.data());
  gemm(trans_a, trans_b, m, n, k, alpha, wide_a.data(), lda, wide_b.data(), ldb, beta, c, ldc);
}

}  // namespace paratrain::kernels
