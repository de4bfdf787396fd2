#pragma once
// Causal multi-head self-attention on a fused qkv projection:
//   att = softmax(q k^T / sqrt(Dh) + causal mask); att = dropout(att); out = att v
// q, k, v of head h are column slices of qkv, so no reshaping is needed:
// row r of qkv holds [q(heads x Dh) | k(heads x Dh) | v(heads x Dh)].
#include <cstdint>

#include "kernels/dropout.h"

namespace paratrain::kernels {

struct AttentionShape {
  int samples = 0;
  int seq_len = 0;
  int heads = 0;        // heads held here (all, or a tensor-parallel shard)
  int head_dim = 0;
  int head_offset = 0;  // global index of the first head held here (for dropout)
  int width() const { return heads * head_dim; }
};

// qkv: (samples, T, 3 * width); out: (samples, T, width), overwritten.
// probs: (samples, heads, T, T): the softmax before dropout, saved for backward
// (zero above the diagonal), or null (selective recompute: nothing kept).
// scratch: (T, T), or (2, T, T) when probs is null.
void attention_forward(const float* qkv, const AttentionShape& shape, const DropoutKey& dropout,
                       uint32_t first_sample, float* probs, float* scratch, float* out);

// dout: (samples, T, width). dqkv: (samples, T, 3 * width), overwritten.
// scratch: (2, T, T), or (3, T, T) when probs is null: each head's softmax is
// then recomputed from q and k exactly as forward computed it (same bits).
void attention_backward(const float* dout, const float* qkv, const float* probs,
                        const AttentionShape& shape, const DropoutKey& dropout,
                        uint32_t first_sample, float* scratch, float* dqkv);

}  // namespace paratrain::kernels
