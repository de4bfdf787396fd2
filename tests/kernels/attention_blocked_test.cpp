// attention.cpp splits the query rows into causal blocks; these cases use a
// sequence longer than several blocks (and not a multiple of the block size)
// so every block shape, including the partial last one, is exercised.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gradient_check.h"
#include "attention_reference.h"
#include "kernels/attention.h"

namespace paratrain::kernels {

using testing::expect_gradient_matches;
using testing::random_vector;

namespace {


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
    const auto expected = testing::reference_attention(qkv, c.shape, key, 5);
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
