#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "kernels/bf16.h"
#include "kernels/gemm.h"

namespace paratrain::kernels {

namespace {

// Row `query` of a causal softmax over the scores [0, row_end) that its row
// block computed (row_end > query): entries 0..query are normalised in place,
// the rest of the row set to zero. The loops run to row_end with a mask rather
// than stopping at query, so they vectorise without a scalar tail.
void causal_softmax_row(float* row, int query, int row_end, int seq_len) {
  float max_score = row[0];
  for (int key = 1; key <= query; ++key) max_score = std::fmax(max_score, row[key]);
#pragma omp simd
  for (int key = 0; key < row_end; ++key) {
    row[key] = key <= query ? std::exp(row[key] - max_score) : 0.0f;
  }
  float sum = 0.0f;  // a plain loop: GCC 12 stops vectorising `omp simd reduction` loops with calls
  for (int key = 0; key < row_end; ++key) sum += row[key];
  const float inv_sum = 1.0f / sum;
#pragma omp simd
  for (int key = 0; key < row_end; ++key) row[key] *= inv_sum;
  std::memset(row + row_end, 0, sizeof(float) * (seq_len - row_end));
}

// dropped[0, row_end) = probs[0, row_end) of row `query`, then head
// `global_head`'s dropout mask on the causal part 0..query.
void dropped_row(const float* probs_row, const DropoutKey& dropout, uint32_t sample,
                 int global_head, int query, int row_end, int seq_len, float* dropped_row_out) {
  std::memcpy(dropped_row_out, probs_row, sizeof(float) * row_end);
  dropout_row(dropout, sample, query, static_cast<uint32_t>(global_head * seq_len), query + 1,
              dropped_row_out);
}

// Causal blocking: query rows are taken kQueryBlock at a time, and block
// [row0, row0 + rows) only meets keys 0 .. row0 + rows - 1; the (T, T) score
// and probability matrices are exact zeros above the diagonal, so the skipped
// products add nothing. With T = 128 this does 10 of the 16 block products.
constexpr int kQueryBlock = 32;

// One past the last key that the row block of `query` multiplies.
int block_end(int query, int seq_len) {
  return std::min((query / kQueryBlock + 1) * kQueryBlock, seq_len);
}

// scores[rows, 0..row0+rows) = scale * q[rows] k^T, a row block at a time. ld: qkv's leading dim.
void causal_scores(const float* q, const float* k, int ld_q, int ld_k, float scale, int seq_len,
                   int head_dim, float* scores) {
  for (int row0 = 0; row0 < seq_len; row0 += kQueryBlock) {
    const int rows = std::min(kQueryBlock, seq_len - row0);
    gemm(Trans::kNo, Trans::kYes, rows, row0 + rows, head_dim, scale,
         q + static_cast<size_t>(row0) * ld_q, ld_q, k, ld_k, 0.0f,
         scores + static_cast<size_t>(row0) * seq_len, seq_len);
  }
}

// out = alpha * att v with att (T, T) lower triangular: each row block only
// multiplies the keys at or before it.
void causal_att_times(const float* att, const float* v, int ld_v, float alpha, int seq_len,
                      int head_dim, float* out, int ld_out) {
  for (int row0 = 0; row0 < seq_len; row0 += kQueryBlock) {
    const int rows = std::min(kQueryBlock, seq_len - row0);
    gemm(Trans::kNo, Trans::kNo, rows, head_dim, row0 + rows, alpha,
         att + static_cast<size_t>(row0) * seq_len, seq_len, v, ld_v, 0.0f,
         out + static_cast<size_t>(row0) * ld_out, ld_out);
  }
}

// out = alpha * att^T x with att (T, T) lower triangular: rows [key0, key0 + keys)
// of out only gather queries key0 .. T - 1.
void causal_att_transposed_times(const float* att, const float* x, int ld_x, float alpha,
                                 int seq_len, int head_dim, float* out, int ld_out) {
  for (int key0 = 0; key0 < seq_len; key0 += kQueryBlock) {
    const int keys = std::min(kQueryBlock, seq_len - key0);
    gemm(Trans::kYes, Trans::kNo, keys, head_dim, seq_len - key0, alpha,
         att + static_cast<size_t>(key0) * seq_len + key0, seq_len,
         x + static_cast<size_t>(key0) * ld_x, ld_x, 0.0f, out + static_cast<size_t>(key0) * ld_out,
         ld_out);
  }
}

// Rows [row0, row_end) of one head's softmax(scale q k^T + causal mask) into
// probs (T, T). Forward and the selective recompute both call this, with the
// same products in the same order, so the recomputed rows are the same bits.
void probs_block(const float* q, const float* k, int qkv_ld, float scale, int row0, int row_end,
                 int seq_len, int head_dim, float* probs) {
  gemm(Trans::kNo, Trans::kYes, row_end - row0, row_end, head_dim, scale,
       q + static_cast<size_t>(row0) * qkv_ld, qkv_ld, k, qkv_ld, 0.0f,
       probs + static_cast<size_t>(row0) * seq_len, seq_len);
  for (int query = row0; query < row_end; ++query) {
    causal_softmax_row(probs + static_cast<size_t>(query) * seq_len, query, row_end, seq_len);
  }
}

// values[0, count) rounded to bf16 and held as floats (exact: every bf16 is a float).
void round_in_place(float* values, int count) {
  for (int idx = 0; idx < count; ++idx) values[idx] = to_float(to_bf16(values[idx]));
}

}  // namespace

int attention_scratch_planes(bool probs_saved, bool bf16_products) {
  // forward: [att] [recomputed-or-unused]; backward: [dropped] [dscores] [recomputed] [rounded att]
  const int backward = (probs_saved ? 2 : 3) + (bf16_products ? 1 : 0);
  const int forward = probs_saved ? 1 : 2;
  return std::max(forward, backward);
}

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
      // Without saved probs (selective recompute) they live in scratch's second half.
      float* head_probs =
          probs == nullptr
              ? scratch + static_cast<size_t>(seq_len) * seq_len
              : probs + (static_cast<size_t>(sample_idx) * shape.heads + head_idx) * seq_len * seq_len;
      float* head_out = out + static_cast<size_t>(sample_idx) * seq_len * width + head_idx * head_dim;
      // Dropped probabilities go to scratch; without dropout att is probs
      // itself, unless bf16 rounds it for the product (the saved probs stay fp32).
      const bool copy_att = dropout.active() || shape.bf16_products;
      float* att = copy_att ? scratch : head_probs;
      for (int row0 = 0; row0 < seq_len; row0 += kQueryBlock) {
        const int row_end = std::min(row0 + kQueryBlock, seq_len);
        float* block_att = att + static_cast<size_t>(row0) * seq_len;
        probs_block(q, k, qkv_ld, scale, row0, row_end, seq_len, head_dim, head_probs);
        for (int query = row0; query < row_end && copy_att; ++query) {
          float* att_row = att + static_cast<size_t>(query) * seq_len;
          const float* probs_row = head_probs + static_cast<size_t>(query) * seq_len;
          if (dropout.active()) {
            dropped_row(probs_row, dropout, first_sample + sample_idx, shape.head_offset + head_idx,
                        query, row_end, seq_len, att_row);
          } else {
            std::memcpy(att_row, probs_row, sizeof(float) * row_end);
          }
          if (shape.bf16_products) round_in_place(att_row, row_end);
        }
        gemm(Trans::kNo, Trans::kNo, row_end - row0, head_dim, row_end, 1.0f, block_att, seq_len, v,
             qkv_ld, 0.0f, head_out + static_cast<size_t>(row0) * width, width);
      }
    }
  }
}

void attention_backward(const float* dout, const float* qkv, const float* probs,
                        const AttentionShape& shape, const DropoutKey& dropout,
                        uint32_t first_sample, float* scratch, float* dqkv) {
  const int seq_len = shape.seq_len, head_dim = shape.head_dim, width = shape.width();
  const int qkv_ld = 3 * width;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  float* dropped = scratch;                                           // (T, T)
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
      const float* head_probs = nullptr;
      if (probs == nullptr) {  // selective recompute: the forward's rows again, into scratch
        float* recomputed = scratch + 2 * static_cast<size_t>(seq_len) * seq_len;
        for (int row0 = 0; row0 < seq_len; row0 += kQueryBlock) {
          probs_block(q, k, qkv_ld, scale, row0, std::min(row0 + kQueryBlock, seq_len), seq_len,
                      head_dim, recomputed);
        }
        head_probs = recomputed;
      } else {
        head_probs = probs + (static_cast<size_t>(sample_idx) * shape.heads + head_idx) * seq_len * seq_len;
      }
      // att = dropout(probs); row block ends bound what the products below read.
      const float* att = head_probs;
      if (dropout.active()) {
        for (int query = 0; query < seq_len; ++query) {
          dropped_row(head_probs + static_cast<size_t>(query) * seq_len, dropout, sample,
                      global_head, query, block_end(query, seq_len), seq_len,
                      dropped + static_cast<size_t>(query) * seq_len);
        }
        att = dropped;
      }
      // dv = att^T dout (under bf16 from att rounded, as forward's product
      // took it; ds below needs att unrounded); d att = dout v^T
      const float* att_for_dv = att;
      if (shape.bf16_products) {
        float* rounded = scratch + static_cast<size_t>(probs == nullptr ? 3 : 2) * seq_len * seq_len;
        for (int query = 0; query < seq_len; ++query) {
          const size_t row = static_cast<size_t>(query) * seq_len;
          const int row_end = block_end(query, seq_len);
          std::memcpy(rounded + row, att + row, sizeof(float) * row_end);
          round_in_place(rounded + row, row_end);
        }
        att_for_dv = rounded;
      }
      causal_att_transposed_times(att_for_dv, d_head_out, width, 1.0f, seq_len, head_dim, dv, qkv_ld);
      causal_scores(d_head_out, v, width, qkv_ld, 1.0f, seq_len, head_dim, dscores);
      // Through dropout (mask m, att = m p) and the softmax:
      //   ds = p * (m dp - sum(m dp * p)) = att * dp - p * sum(att * dp),
      // so the mask is not drawn again: att already carries it. att and p are
      // zero above the diagonal, so ds is too, up to the row block's end (the
      // last column the products below read).
      for (int query = 0; query < seq_len; ++query) {
        const int row_end = block_end(query, seq_len);
        float* ds_row = dscores + static_cast<size_t>(query) * seq_len;
        const float* p_row = head_probs + static_cast<size_t>(query) * seq_len;
        const float* att_row = att + static_cast<size_t>(query) * seq_len;
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int key = 0; key < row_end; ++key) dot += ds_row[key] * att_row[key];
#pragma omp simd
        for (int key = 0; key < row_end; ++key) {
          ds_row[key] = att_row[key] * ds_row[key] - p_row[key] * dot;
        }
        if (shape.bf16_products) round_in_place(ds_row, row_end);  // the input of dq's and dk's products
      }
      // scores = scale q k^T: dq = scale ds k, dk = scale ds^T q
      causal_att_times(dscores, k, qkv_ld, scale, seq_len, head_dim, dq, qkv_ld);
      causal_att_transposed_times(dscores, q, qkv_ld, scale, seq_len, head_dim, dk, qkv_ld);
    }
  }
}

}  // namespace paratrain::kernels
