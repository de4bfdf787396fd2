#include "kernels/embedding.h"

#include <cstddef>

namespace paratrain::kernels {

void embedding_forward(const int32_t* tokens, const float* tok_emb, const float* pos_emb,
                       int samples, int seq_len, int width, float* out) {
  for (int sample_idx = 0; sample_idx < samples; ++sample_idx) {
    for (int pos_idx = 0; pos_idx < seq_len; ++pos_idx) {
      const size_t row = static_cast<size_t>(sample_idx) * seq_len + pos_idx;
      const float* tok = tok_emb + static_cast<size_t>(tokens[row]) * width;
      const float* pos = pos_emb + static_cast<size_t>(pos_idx) * width;
      float* y = out + row * width;
#pragma omp simd
      for (int col = 0; col < width; ++col) y[col] = tok[col] + pos[col];
    }
  }
}

void embedding_backward(const int32_t* tokens, const float* dout, int samples, int seq_len,
                        int width, float* dtok_emb, float* dpos_emb) {
  for (int sample_idx = 0; sample_idx < samples; ++sample_idx) {
    for (int pos_idx = 0; pos_idx < seq_len; ++pos_idx) {
      const size_t row = static_cast<size_t>(sample_idx) * seq_len + pos_idx;
      const float* dy = dout + row * width;
      float* dtok = dtok_emb + static_cast<size_t>(tokens[row]) * width;
      float* dpos = dpos_emb + static_cast<size_t>(pos_idx) * width;
#pragma omp simd
      for (int col = 0; col < width; ++col) {
        dtok[col] += dy[col];
        dpos[col] += dy[col];
      }
    }
  }
}

}  // namespace paratrain::kernels
