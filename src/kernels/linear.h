#pragma once
// A PyTorch nn.Linear: y = x W^T + b, with W of shape (out, in).

namespace paratrain::kernels {

// x: (rows, in); weight: (out, in); bias: (out) or null; y: (rows, out), overwritten.
void linear_forward(const float* x, const float* weight, const float* bias, int rows, int in,
                    int out, float* y);

// dy: (rows, out). Accumulates dweight (out, in) and dbias (out, if not null).
// dx (rows, in), if not null, is overwritten (accumulate_dx false) or added to.
void linear_backward(const float* dy, const float* x, const float* weight, int rows, int in, int out,
                     float* dx, bool accumulate_dx, float* dweight, float* dbias);

// linear_backward in two halves, for pipelines that run the weight gradient
// later (zero-bubble schedules): together they do exactly what it does.
// dx (rows, in) overwritten (accumulate_dx false) or added to.
void linear_backward_input(const float* dy, const float* weight, int rows, int in, int out,
                           float* dx, bool accumulate_dx);
// Accumulates dweight (out, in) and dbias (out, if not null).
void linear_backward_weight(const float* dy, const float* x, int rows, int in, int out,
                            float* dweight, float* dbias);

}  // namespace paratrain::kernels
