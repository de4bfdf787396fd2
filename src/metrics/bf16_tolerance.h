#pragma once
// How far a bf16-autocast run may sit from a float64 reference, derived from
// bf16's rounding rather than picked to pass (README: "verify under bf16").
//
// Rounding both inputs of a product to bf16 (unit roundoff u = 2^-8) gives
// each product a relative error of at most 2u + u^2, so a matmul y = sum_k a_k b_k
// is off by at most (2u + u^2) sum_k |a_k b_k|. Measured against the output's
// size, one rounded matmul is a norm-wise relative error of the order of 2u;
// a value that passes through n rounded matmuls collects at most n such
// errors (added linearly: the worst case, not a random walk). So an element
// may differ by n * 2u * rms(tensor) beyond the file's own fp32 tolerance:
//   logits: n = 6 L + 1 (qkv, q k^T, att v, proj, fc1, fc2 of each block,
//     then lm_head);
//   gradients: n = 2 (6 L + 1) (the forward to the loss and back again);
//   loss: cross-entropy's gradient has L1 norm <= 2 per row, so the loss
//     moves by at most 2 * max |logit error|: 2 * (logits' allowance);
//   step1: AdamW's first update is lr * g / (|g| + eps), within lr of zero, so it
//     is unchanged by a gradient error unless that error flips the sign of g:
//     the file's loose rule (atol 2 lr where |g| is small) applies where |g| is
//     below the gradient allowance, the tight rule everywhere else.
#include "metrics/tolerance.h"

namespace paratrain {

inline constexpr double kBf16UnitRoundoff = 1.0 / 256.0;  // 2^-8

// n * 2u: the norm-wise relative allowance of a value behind n rounded matmuls.
double bf16_norm_allowance(int rounded_matmuls);
// Rounded matmuls on the way to the logits (6 L + 1) and to a gradient (twice that).
int bf16_logit_matmuls(int n_layers);
int bf16_grad_matmuls(int n_layers);

// The file's tolerance plus allowance * rms as an absolute term.
Tolerance widen_for_bf16(const Tolerance& file, double allowance, double rms);

// Root mean square of `count` values.
double rms_of(const float* values, size_t count);

}  // namespace paratrain
