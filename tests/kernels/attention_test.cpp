#include "kernels/attention.h"

#include "attention_reference.h"
#include "gradient_check.h"

namespace paratrain::kernels {

using testing::expect_gradient_matches;
using testing::random_vector;

namespace {


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
  const auto expected = testing::reference_attention(qkv, c.shape, DropoutKey{}, 3);
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
