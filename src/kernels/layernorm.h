#pragma once
// LayerNorm over the last dimension, eps 1e-5, biased variance (as PyTorch).

namespace paratrain::kernels {

inline constexpr float kLayerNormEps = 1e-5f;

// out = (x - mean) * rstd * weight + bias, row by row.
// x, out: (rows, width); weight, bias: (width); mean, rstd: (rows), saved for backward.
void layernorm_forward(const float* x, const float* weight, const float* bias, int rows, int width,
                       float* out, float* mean, float* rstd);

// Accumulates: dx += d loss / dx, dweight += ..., dbias += ...
// dout, x, dx: (rows, width); mean, rstd: (rows) from the forward.
void layernorm_backward(const float* dout, const float* x, const float* mean, const float* rstd,
                        const float* weight, int rows, int width, float* dx, float* dweight,
                        float* dbias);

}  // namespace paratrain::kernels
