#pragma once
// Single-precision matrix multiply on row-major matrices:
//   C[m, n] = alpha * op(A) * op(B) + beta * C,
// op(X) = X or X^T. Which library does the work (oneDNN, OpenBLAS or BLIS) is
// chosen at build time (PARATRAIN_GEMM); bench/gemm/RESULTS.md says why.

namespace paratrain::kernels {

enum class Trans : bool { kNo = false, kYes = true };

void gemm(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);

// The library's name and version, for the run banner and records.
const char* gemm_library();

// Threads the library may use in this rank (one rank = one device).
void gemm_set_threads(int threads);

}  // namespace paratrain::kernels
