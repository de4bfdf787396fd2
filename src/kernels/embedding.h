#pragma once
// Token + learned position embedding.
#include <cstdint>

namespace paratrain::kernels {

// tokens: (samples, T); tok_emb: (V, D); pos_emb: (T, D); out: (samples, T, D).
void embedding_forward(const int32_t* tokens, const float* tok_emb, const float* pos_emb,
                       int samples, int seq_len, int width, float* out);

// Accumulates dtok_emb (V, D) and dpos_emb (T, D) from dout (samples, T, D).
void embedding_backward(const int32_t* tokens, const float* dout, int samples, int seq_len,
                        int width, float* dtok_emb, float* dpos_emb);

}  // namespace paratrain::kernels
