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
  // bf16 autocast (model/precision.h): the two products take bf16 inputs and
  // accumulate in fp32. q, k, v arrive rounded (the qkv projection's output
  // feeds only these products) and so does forward's dout; the kernels round
  // att (the dropped softmax) and backward's ds themselves. The rounded
  // values are held in fp32, so the fp32 GEMM does the product exactly as a
  // bf16 GEMM with fp32 accumulation would (the emulated path of
  // kernels/gemm_bf16.h). The softmax, its dropout and ds stay fp32.
  bool bf16_products = false;
  int width() const { return heads * head_dim; }
};

// (T, T) planes of scratch each kernel needs: forward 1 (2 without saved
// probs); backward 2 (3 without saved probs), plus 1 under bf16_products.
int attention_scratch_planes(bool probs_saved, bool bf16_products);

// qkv: (samples, T, 3 * width); out: (samples, T, width), overwritten.
// probs: (samples, heads, T, T): the softmax before dropout, saved for backward
// (zero above the diagonal), or null (selective recompute: nothing kept).
// scratch: attention_scratch_planes (T, T) planes.
void attention_forward(const float* qkv, const AttentionShape& shape, const DropoutKey& dropout,
                       uint32_t first_sample, float* probs, float* scratch, float* out);

// dout: (samples, T, width). dqkv: (samples, T, 3 * width), overwritten.
// scratch: attention_scratch_planes (T, T) planes. Without probs each head's
// softmax is recomputed from q and k exactly as forward computed it (same bits).
void attention_backward(const float* dout, const float* qkv, const float* probs,
                        const AttentionShape& shape, const DropoutKey& dropout,
                        uint32_t first_sample, float* scratch, float* dqkv);

}  // namespace paratrain::kernels
