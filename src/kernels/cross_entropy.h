#pragma once
// Softmax cross-entropy over the vocabulary, fused with its backward.
#include <cstdint>

namespace paratrain::kernels {

// logits: (rows, vocab), overwritten with grad_scale * d(sum of losses)/d logits
// (softmax - one_hot(target)) * grad_scale. targets: (rows).
// Returns the sum over rows of -log softmax(logits)[target], in double.
double cross_entropy_forward_backward(float* logits, const int32_t* targets, int rows, int vocab,
                                      float grad_scale);

}  // namespace paratrain::kernels
