#pragma once
// The plain reference of causal attention that the kernel tests compare
// against: simple loops in double precision.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/attention.h"
#include "kernels/dropout.h"

namespace paratrain::testing {

using kernels::AttentionShape;
using kernels::DropoutKey;
using kernels::dropout_row;

// Plain loops in double: dropout(softmax(q k^T / sqrt(Dh), causal)) v, the
// dropout masks taken from dropout_row on rows of ones.
inline std::vector<double> reference_attention(const std::vector<float>& qkv, const AttentionShape& shape,
                                        const DropoutKey& key, uint32_t first_sample) {
  const int seq = shape.seq_len, head_dim = shape.head_dim, width = shape.width();
  std::vector<double> out(static_cast<size_t>(shape.samples) * seq * width, 0.0);
  for (int sample_idx = 0; sample_idx < shape.samples; ++sample_idx) {
    for (int head_idx = 0; head_idx < shape.heads; ++head_idx) {
      auto at = [&](int pos, int part, int dim) {
        return double(qkv[(size_t(sample_idx) * seq + pos) * 3 * width + part * width +
                          head_idx * head_dim + dim]);
      };
      for (int query = 0; query < seq; ++query) {
        std::vector<double> scores(query + 1);
        double max_score = -1e300;
        for (int key_pos = 0; key_pos <= query; ++key_pos) {
          double dot = 0;
          for (int dim = 0; dim < head_dim; ++dim) dot += at(query, 0, dim) * at(key_pos, 1, dim);
          scores[key_pos] = dot / std::sqrt(double(head_dim));
          max_score = std::max(max_score, scores[key_pos]);
        }
        double sum = 0;
        for (auto& score : scores) sum += (score = std::exp(score - max_score));
        std::vector<float> mask(query + 1, 1.0f);
        dropout_row(key, first_sample + sample_idx, query,
                    static_cast<uint32_t>((shape.head_offset + head_idx) * seq), query + 1,
                    mask.data());
        for (int dim = 0; dim < head_dim; ++dim) {
          double value = 0;
          for (int key_pos = 0; key_pos <= query; ++key_pos) {
            value += scores[key_pos] / sum * mask[key_pos] * at(key_pos, 2, dim);
          }
          out[(size_t(sample_idx) * seq + query) * width + head_idx * head_dim + dim] = value;
        }
      }
    }
  }
  return out;
}

}  // namespace paratrain::testing
