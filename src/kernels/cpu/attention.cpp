#include "kernels/attention.h"

#include <cmath>
#include <cstddef>
#include <cstring>

#include "kernels/gemm.h"

namespace paratrain::kernels {

namespace {

// Row `query` of a causal softmax: entries 0..query are normalised in place,
// entries above the diagonal set to zero.
void causal_softmax_row(float* row, int query, int seq_len) {
  float max_score = row[0];
  for (int key = 1; key <= query; ++key) max_score = std::fmax(max_score, row[key]);
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int key = 0; key <= query; ++key) {
    row[key] = std::exp(row[key] - max_score);
    sum += row[key];
  }
  const float inv_sum = 1.0f / sum;
#pragma omp simd
  for (int key = 0; key <= query; ++key) row[key] *= inv_sum;
  std::memset(row + query + 1, 0, sizeof(float) * (seq_len - query - 1));
}

// Copies probs (T, T) to `dropped` and applies head `global_head`'s dropout masks.
const float* dropped_probs(const float* probs, const DropoutKey& dropout, uint32_t sample,
                           int global_head, int seq_len, float* dropped) {
  if (!dropout.active()) return probs;
  std::memcpy(dropped, probs, sizeof(float) * seq_len * seq_len);
  for (int query = 0; query < seq_len; ++query) {
    dropout_row(dropout, sample, query, static_cast<uint32_t>(global_head * seq_len), query + 1,
                dropped + static_cast<size_t>(query) * seq_len);
  }
  return dropped;
}

}  // namespace

void attention_forward(const float* qkv, const AttentionShape& shape, const DropoutKey& dropout,
                       uint32_t first_sample, float* probs, float* scratch, float* out) {
  const int seq_len = shape.seq_len, head_dim = shape.head_dim, width = shape.width();
  const int qkv_ld = 3 * width;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int sample_idx = 0; sample_idx < shape.samples; ++sample_idx) {
    const float* qkv_sample = qkv + static_cast<size_t>(sample_idx) * seq_len * qkv_ld;
    for (int head_idx = 0; head_idx < shape.heads; ++head_idx) {
      const float* q = qkv_sample + head_idx * head_dim;  // (T, Dh), ld 3W
      const float* k = q + width;
      const float* v = q + 2 * width;
      float* head_probs =
          probs + (static_cast<size_t>(sample_idx) * shape.heads + head_idx) * seq_len * seq_len;
      gemm(Trans::kNo, Trans::kYes, seq_len, seq_len, head_dim, scale, q, qkv_ld, k, qkv_ld, 0.0f,
           head_probs, seq_len);
      for (int query = 0; query < seq_len; ++query) {
        causal_softmax_row(head_probs + static_cast<size_t>(query) * seq_len, query, seq_len);
      }
      const float* att = dropped_probs(head_probs, dropout, first_sample + sample_idx,
                                       shape.head_offset + head_idx, seq_len, scratch);
      float* head_out = out + static_cast<size_t>(sample_idx) * seq_len * width + head_idx * head_dim;
      gemm(Trans::kNo, Trans::kNo, seq_len, head_dim, seq_len, 1.0f, att, seq_len, v, qkv_ld, 0.0f,
           head_out, width);
    }
  }
}

void attention_backward(const float* dout, const float* qkv, const float* probs,
                        const AttentionShape& shape, const DropoutKey& dropout,
                        uint32_t first_sample, float* scratch, float* dqkv) {
  const int seq_len = shape.seq_len, head_dim = shape.head_dim, width = shape.width();
  const int qkv_ld = 3 * width;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  float* dropped = scratch;                                   // (T, T)
  float* dscores = scratch + static_cast<size_t>(seq_len) * seq_len;  // (T, T)
  for (int sample_idx = 0; sample_idx < shape.samples; ++sample_idx) {
    const size_t qkv_offset = static_cast<size_t>(sample_idx) * seq_len * qkv_ld;
    const uint32_t sample = first_sample + sample_idx;
    for (int head_idx = 0; head_idx < shape.heads; ++head_idx) {
      const int global_head = shape.head_offset + head_idx;
      const float* q = qkv + qkv_offset + head_idx * head_dim;
      const float* k = q + width;
      const float* v = q + 2 * width;
      float* dq = dqkv + qkv_offset + head_idx * head_dim;
      float* dk = dq + width;
      float* dv = dq + 2 * width;
      const float* d_head_out =
          dout + static_cast<size_t>(sample_idx) * seq_len * width + head_idx * head_dim;
      const float* head_probs =
          probs + (static_cast<size_t>(sample_idx) * shape.heads + head_idx) * seq_len * seq_len;
      const float* att = dropped_probs(head_probs, dropout, sample, global_head, seq_len, dropped);
      // dv = att^T dout; d att = dout v^T
      gemm(Trans::kYes, Trans::kNo, seq_len, head_dim, seq_len, 1.0f, att, seq_len, d_head_out,
           width, 0.0f, dv, qkv_ld);
      gemm(Trans::kNo, Trans::kYes, seq_len, seq_len, head_dim, 1.0f, d_head_out, width, v, qkv_ld,
           0.0f, dscores, seq_len);
      // Through dropout (same mask) and the softmax: ds = p * (dp - sum(dp * p)).
      for (int query = 0; query < seq_len; ++query) {
        float* ds_row = dscores + static_cast<size_t>(query) * seq_len;
        const float* p_row = head_probs + static_cast<size_t>(query) * seq_len;
        dropout_row(dropout, sample, query, static_cast<uint32_t>(global_head * seq_len), query + 1,
                    ds_row);
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int key = 0; key <= query; ++key) dot += ds_row[key] * p_row[key];
#pragma omp simd
        for (int key = 0; key <= query; ++key) ds_row[key] = p_row[key] * (ds_row[key] - dot);
        std::memset(ds_row + query + 1, 0, sizeof(float) * (seq_len - query - 1));
      }
      // scores = scale q k^T: dq = scale ds k, dk = scale ds^T q
      gemm(Trans::kNo, Trans::kNo, seq_len, head_dim, seq_len, scale, dscores, seq_len, k, qkv_ld,
           0.0f, dq, qkv_ld);
      gemm(Trans::kYes, Trans::kNo, seq_len, head_dim, seq_len, scale, dscores, seq_len, q, qkv_ld,
           0.0f, dk, qkv_ld);
    }
  }
}

}  // namespace paratrain::kernels
