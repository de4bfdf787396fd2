// attention.cpp splits the query rows into causal blocks; these cases use a
// sequence longer than several blocks (and not a multiple of the block size)
// so every block shape, including the partial last one, is exercised.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gradient_check.h"
#include "kernels/attention.h"

namespace paratrain::kernels {

using testing::expect_gradient_matches;
using testing::random_vector;

namespace {

// Plain loops in double: dropout(softmax(q k^T / sqrt(Dh), causal)) v, the
// dropout masks taken from dropout_row on rows of ones.
std::vector<double> reference_attention(const std::vector<float>& qkv, const AttentionShape& shape,
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

struct LongCase {
  AttentionShape shape{2, 70, 2, 8, 1};  // 70 = two full blocks of 32 and a partial one
  std::vector<float> probs, scratch;
  LongCase() {
    probs.resize(size_t(shape.samples) * shape.heads * shape.seq_len * shape.seq_len);
    scratch.resize(2 * size_t(shape.seq_len) * shape.seq_len);
  }
  std::vector<float> forward(const std::vector<float>& qkv, const DropoutKey& key) {
    std::vector<float> out(size_t(shape.samples) * shape.seq_len * shape.width());
    attention_forward(qkv.data(), shape, key, 5, probs.data(), scratch.data(), out.data());
    return out;
  }
};

}  // namespace

TEST(AttentionBlocked, ForwardMatchesPlainLoops) {
  LongCase c;
  const auto qkv = random_vector(size_t(c.shape.samples) * c.shape.seq_len * 3 * c.shape.width(), 71);
  for (const DropoutKey& key :
       {DropoutKey{}, DropoutKey{3, 2, 1, DropoutSite::kAttentionProbs, 0.2f}}) {
    const auto out = c.forward(qkv, key);
    const auto expected = reference_attention(qkv, c.shape, key, 5);
    for (size_t idx = 0; idx < out.size(); ++idx) {
      ASSERT_NEAR(out[idx], expected[idx], 1e-5) << "p " << key.p << " element " << idx;
    }
  }
}

TEST(AttentionBlocked, ProbsAreZeroAboveTheDiagonal) {
  LongCase c;
  const auto qkv = random_vector(size_t(c.shape.samples) * c.shape.seq_len * 3 * c.shape.width(), 72);
  std::fill(c.probs.begin(), c.probs.end(), 1.0f);  // stale values must not survive
  c.forward(qkv, DropoutKey{});
  const int seq = c.shape.seq_len;
  for (int matrix = 0; matrix < c.shape.samples * c.shape.heads; ++matrix) {
    for (int query = 0; query < seq; ++query) {
      for (int key_pos = query + 1; key_pos < seq; ++key_pos) {
        ASSERT_EQ(c.probs[(size_t(matrix) * seq + query) * seq + key_pos], 0.0f);
      }
    }
  }
}

TEST(AttentionBlocked, GradientWithDropout) {
  LongCase c;
  const DropoutKey key{9, 4, 1, DropoutSite::kAttentionProbs, 0.25f};
  auto qkv = random_vector(size_t(c.shape.samples) * c.shape.seq_len * 3 * c.shape.width(), 73);
  const auto upstream =
      random_vector(size_t(c.shape.samples) * c.shape.seq_len * c.shape.width(), 74);
  c.forward(qkv, key);
  std::vector<float> dqkv(qkv.size(), 123.0f);  // overwritten, not accumulated
  attention_backward(upstream.data(), qkv.data(), c.probs.data(), c.shape, key, 5,
                     c.scratch.data(), dqkv.data());
  expect_gradient_matches([&] { return c.forward(qkv, key); }, qkv, dqkv, upstream,
                          "blocked attention dqkv (dropout)", 1e-2f, 200);
}

}  // namespace paratrain::kernels
