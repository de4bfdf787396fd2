#pragma once
// Matrix multiply with bf16 inputs and fp32 accumulation and output (what
// PyTorch's autocast does for a matmul on the CPU):
//   C[m, n] = alpha * op(A) * op(B) + beta * C,  beta 0 or 1,
// A and B bf16, C fp32, row-major, op(X) = X or X^T.
//
// With oneDNN it runs oneDNN's matmul primitive (bf16 source and weights, f32
// destination), one primitive per shape, created on first use and cached. On
// a CPU where oneDNN has no bf16 matmul but its reference loops (no
// AVX512_BF16 / AMX on oneDNN 2.6's x64), or with another GEMM library, it is
// emulated: the bf16 inputs are widened to fp32 (exactly: every bf16 is a
// float) and multiplied by the fp32 GEMM, so the result is of the same class,
// bf16 inputs and fp32 accumulation, at the fp32 GEMM's speed.
#include "kernels/bf16.h"
#include "kernels/gemm.h"

namespace paratrain::kernels {

void gemm_bf16(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha, const Bf16* a,
               int lda, const Bf16* b, int ldb, float beta, float* c, int ldc);

// True when the bf16 GEMM runs natively (a oneDNN bf16 kernel), false when emulated.
bool gemm_bf16_native();
// Which path runs, for banners and records: oneDNN's implementation name
// (e.g. "brg:avx512_core_bf16") or "emulated (bf16 rounded, fp32 GEMM)".
const char* gemm_bf16_path();

// The ISA the fp32 GEMM dispatches to (oneDNN's effective CPU ISA, e.g.
// "avx2"), or "chosen by the library" for OpenBLAS and BLIS.
const char* gemm_fp32_isa();

// The emulated path, on its own (for the tests and the fallback).
void gemm_bf16_emulated(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha,
                        const Bf16* a, int lda, const Bf16* b, int ldb, float beta, float* c,
                        int ldc);

}  // namespace paratrain::kernels
