// OpenBLAS and BLIS builds: no bf16 GEMM of their own is used, so always emulated.
#include "kernels/gemm_bf16.h"

namespace paratrain::kernels {

void gemm_bf16(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha, const Bf16* a,
               int lda, const Bf16* b, int ldb, float beta, float* c, int ldc) {
  gemm_bf16_emulated(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

bool gemm_bf16_native() { return false; }
const char* gemm_fp32_isa() { return "chosen by the library"; }
const char* gemm_bf16_path() { return "emulated (bf16 rounded, fp32 GEMM)"; }

}  // namespace paratrain::kernels
