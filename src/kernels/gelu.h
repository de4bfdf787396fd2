#pragma once
// Exact GELU: 0.5 z (1 + erf(z / sqrt 2)), as PyTorch's default.
#include <cstddef>

namespace paratrain::kernels {

// h, out: (count)
void gelu_forward(const float* h, size_t count, float* out);
// dh = dout * gelu'(h), overwritten. dout, h, dh: (count); dh may alias dout.
void gelu_backward(const float* dout, const float* h, size_t count, float* dh);

}  // namespace paratrain::kernels
