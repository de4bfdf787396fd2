#include <cstddef>
#include <cstring>

#include "kernels/embedding.h"

namespace paratrain::kernels {

void embedding_lookup_shard(const int32_t* tokens, const float* tok_shard, int vocab_begin,
                            int vocab_count, int rows, int width, float* out) {
  for (int row = 0; row < rows; ++row) {
    float* y = out + static_cast<size_t>(row) * width;
    const int local = tokens[row] - vocab_begin;
    if (local < 0 || local >= vocab_count) {
      std::memset(y, 0, sizeof(float) * width);
      continue;
    }
    std::memcpy(y, tok_shard + static_cast<size_t>(local) * width, sizeof(float) * width);
  }
}

void embedding_lookup_shard_backward(const int32_t* tokens, const float* dout, int vocab_begin,
                                     int vocab_count, int rows, int width, float* dtok_shard) {
  for (int row = 0; row < rows; ++row) {
    const int local = tokens[row] - vocab_begin;
    if (local < 0 || local >= vocab_count) continue;
    const float* dy = dout + static_cast<size_t>(row) * width;
    float* dtok = dtok_shard + static_cast<size_t>(local) * width;
#pragma omp simd
    for (int col = 0; col < width; ++col) dtok[col] += dy[col];
  }
}

void add_positions(const float* pos_emb, int first_position, int samples, int positions, int width,
                   float* out) {
  for (int sample = 0; sample < samples; ++sample) {
    for (int pos = 0; pos < positions; ++pos) {
      float* y = out + (static_cast<size_t>(sample) * positions + pos) * width;
      const float* p = pos_emb + static_cast<size_t>(first_position + pos) * width;
#pragma omp simd
      for (int col = 0; col < width; ++col) y[col] += p[col];
    }
  }
}

void add_positions_backward(const float* dout, int first_position, int samples, int positions,
                            int width, float* dpos_emb) {
  for (int sample = 0; sample < samples; ++sample) {
    for (int pos = 0; pos < positions; ++pos) {
      const float* dy = dout + (static_cast<size_t>(sample) * positions + pos) * width;
      float* dp = dpos_emb + static_cast<size_t>(first_position + pos) * width;
#pragma omp simd
      for (int col = 0; col < width; ++col) dp[col] += dy[col];
    }
  }
}

}  // namespace paratrain::kernels
