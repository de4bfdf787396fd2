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

namespace paratrain::kernels {

// Vocabulary-parallel cross-entropy (Megatron): each rank holds the logits of
// vocabulary ids [vocab_begin, vocab_begin + vocab_count); the full-vocabulary
// softmax needs three sums over the group, which the caller does between the
// steps below. All per-row buffers are (rows).

// Step 1: each row's largest local logit, and the logit of its target if this
// rank holds it (else 0). Then: all-reduce max of row_max, sum of target_logit.
void vocab_shard_max_and_target(const float* logits, const int32_t* targets, int rows,
                                int vocab_count, int vocab_begin, float* row_max,
                                float* target_logit);
// Step 2: logits <- exp(logits - row_max), and their row sums. Then: all-reduce
// sum of row_sum.
void vocab_shard_exp(float* logits, const float* row_max, int rows, int vocab_count,
                     float* row_sum);
// Step 3: logits <- grad_scale * (softmax - one_hot(target)); returns the sum
// over rows of log(row_sum) + row_max - target_logit (the rows' losses).
double vocab_shard_finish(float* logits, const int32_t* targets, const float* row_max,
                          const float* row_sum, const float* target_logit, int rows,
                          int vocab_count, int vocab_begin, float grad_scale);

}  // namespace paratrain::kernels
