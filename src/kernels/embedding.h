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

namespace paratrain::kernels {

// Vocabulary-parallel lookup: rows of tok_emb for ids [vocab_begin,
// vocab_begin + vocab_count) only; other tokens get zero rows (another rank
// holds them, and the group's sum fills them in).
// tokens: (rows); tok_shard: (vocab_count, D); out: (rows, D), overwritten.
void embedding_lookup_shard(const int32_t* tokens, const float* tok_shard, int vocab_begin,
                            int vocab_count, int rows, int width, float* out);
// Accumulates dtok_shard from dout (rows, D) for the tokens this shard holds.
void embedding_lookup_shard_backward(const int32_t* tokens, const float* dout, int vocab_begin,
                                     int vocab_count, int rows, int width, float* dtok_shard);
// out (samples, positions, D) += pos_emb rows first_position .. + positions.
void add_positions(const float* pos_emb, int first_position, int samples, int positions, int width,
                   float* out);
// dpos_emb rows first_position .. += the sum over samples of dout (samples, positions, D).
void add_positions_backward(const float* dout, int first_position, int samples, int positions,
                            int width, float* dpos_emb);

}  // namespace paratrain::kernels
