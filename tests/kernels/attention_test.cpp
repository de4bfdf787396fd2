#include "kernels/attention.h"

#include "gradient_check.h"

namespace paratrain::kernels {

using testing::expect_gradient_matches;
using testing::random_vector;

namespace {

// Plain loops in double: softmax(q k^T / sqrt(Dh), causal) v, no dropout.
std::vector<double> reference_attention(const std::vector<float>& qkv, int samples, int seq,
                                        int heads, int head_dim) {
  const int width = heads * head_dim;
  std::vector<double> out(static_cast<size_t>(samples) * seq * width, 0.0);
  for (int sample_idx = 0; sample_idx < samples; ++sample_idx) {
    for (int head_idx = 0; head_idx < heads; ++head_idx) {
      auto at = [&](int pos, int part, int dim) {
        return double(qkv[(size_t(sample_idx) * seq + pos) * 3 * width + part * width +
                          head_idx * head_dim + dim]);
      };
      for (int query = 0; query < seq; ++query) {
        std::vector<double> scores(query + 1);
        double max_score = -1e300;
        for (int key = 0; key <= query; ++key) {
          double dot = 0;
          for (int dim = 0; dim < head_dim; ++dim) dot += at(query, 0, dim) * at(key, 1, dim);
          scores[key] = dot / std::sqrt(double(head_dim));
          max_score = std::max(max_score, scores[key]);
        }
        double sum = 0;
        for (auto& score : scores) sum += (score = std::exp(score - max_score));
        for (int dim = 0; dim < head_dim; ++dim) {
          double value = 0;
          for (int key = 0; key <= query; ++key) value += scores[key] / sum * at(key, 2, dim);
          out[(size_t(sample_idx) * seq + query) * width + head_idx * head_dim + dim] = value;
        }
      }
    }
  }
  return out;
}

struct AttentionCase {
  AttentionShape shape{2, 5, 3, 4, 0};
  std::vector<float> probs, scratch;
  explicit AttentionCase() {
    probs.resize(size_t(shape.samples) * shape.heads * shape.seq_len * shape.seq_len);
    scratch.resize(2 * size_t(shape.seq_len) * shape.seq_len);
  }
  std::vector<float> forward(const std::vector<float>& qkv, const DropoutKey& key) {
    std::vector<float> out(size_t(shape.samples) * shape.seq_len * shape.width());
    attention_forward(qkv.data(), shape, key, 3, probs.data(), scratch.data(), out.data());
    return out;
  }
};

}  // namespace

TEST(Attention, ForwardMatchesPlainLoops) {
  AttentionCase c;
  const auto qkv = random_vector(size_t(c.shape.samples) * c.shape.seq_len * 3 * c.shape.width(), 61);
  const auto out = c.forward(qkv, DropoutKey{});
  const auto expected = reference_attention(qkv, c.shape.samples, c.shape.seq_len, c.shape.heads,
                                            c.shape.head_dim);
  for (size_t idx = 0; idx < out.size(); ++idx) EXPECT_NEAR(out[idx], expected[idx], 1e-5);
}

TEST(Attention, GradientWithoutDropout) {
  AttentionCase c;
  auto qkv = random_vector(size_t(c.shape.samples) * c.shape.seq_len * 3 * c.shape.width(), 62);
  const auto upstream = random_vector(size_t(c.shape.samples) * c.shape.seq_len * c.shape.width(), 63);
  c.forward(qkv, DropoutKey{});
  std::vector<float> dqkv(qkv.size());
  attention_backward(upstream.data(), qkv.data(), c.probs.data(), c.shape, DropoutKey{}, 3,
                     c.scratch.data(), dqkv.data());
  expect_gradient_matches([&] { return c.forward(qkv, DropoutKey{}); }, qkv, dqkv, upstream,
                          "attention dqkv", 1e-2f, 120);
}

TEST(Attention, GradientWithDropout) {
  AttentionCase c;
  c.shape.head_offset = 2;  // a tensor-parallel shard's heads draw their global masks
  const DropoutKey key{9, 4, 1, DropoutSite::kAttentionProbs, 0.25f};
  auto qkv = random_vector(size_t(c.shape.samples) * c.shape.seq_len * 3 * c.shape.width(), 64);
  const auto upstream = random_vector(size_t(c.shape.samples) * c.shape.seq_len * c.shape.width(), 65);
  const auto with = c.forward(qkv, key);
  const auto without = c.forward(qkv, DropoutKey{});
  EXPECT_NE(with, without);  // dropout changed something
  c.forward(qkv, key);
  std::vector<float> dqkv(qkv.size());
  attention_backward(upstream.data(), qkv.data(), c.probs.data(), c.shape, key, 3,
                     c.scratch.data(), dqkv.data());
  expect_gradient_matches([&] { return c.forward(qkv, key); }, qkv, dqkv, upstream,
                          "attention dqkv (dropout)", 1e-2f, 120);
}

}  // namespace paratrain::kernels
