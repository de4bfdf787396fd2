#pragma once
// nn.Linear under bf16 autocast: y = x W^T with x and W in bf16, accumulated
// and written in fp32. The bias (fp32) is the caller's, as in the fp32 path
// of the parallel linears.
#include "kernels/bf16.h"

namespace paratrain::kernels {

// x: (rows, in) bf16; weight: (out, in) bf16; y: (rows, out) fp32, overwritten.
void linear_forward_bf16(const Bf16* x, const Bf16* weight, int rows, int in, int out, float* y);

// dy: (rows, out) fp32, rounded to bf16 into dy_bf16 (rows, out) first (the
// matmul's backward inputs are bf16 too). dx (rows, in), if not null, is
// overwritten; dweight (out, in) fp32 is accumulated.
void linear_backward_bf16(const float* dy, const Bf16* x, const Bf16* weight, int rows, int in,
                          int out, Bf16* dy_bf16, float* dx, float* dweight);

// linear_backward_bf16 in two halves, for pipelines that run the weight
// gradient later (zero-bubble schedules). Each rounds dy into dy_bf16 itself
// (rounding is deterministic, so together they compute exactly what
// linear_backward_bf16 does). dx (rows, in) is overwritten; dweight
// (out, in) fp32 is accumulated.
void linear_backward_input_bf16(const float* dy, const Bf16* weight, int rows, int in, int out,
                                Bf16* dy_bf16, float* dx);
void linear_backward_weight_bf16(const float* dy, const Bf16* x, int rows, int in, int out,
                                 Bf16* dy_bf16, float* dweight);

}  // namespace paratrain::kernels
