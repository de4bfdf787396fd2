// Finite-difference checks of every kernel's backward.
#include <cstring>

#include "gradient_check.h"
#include "kernels/cross_entropy.h"
#include "kernels/dropout.h"
#include "kernels/embedding.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"

namespace paratrain::kernels {

using testing::expect_gradient_matches;
using testing::random_vector;

TEST(GradientCheck, LayerNorm) {
  const int rows = 5, width = 12;
  auto x = random_vector(rows * width, 1);
  auto weight = random_vector(width, 2, 0.5f);
  for (auto& w : weight) w += 1.0f;
  auto bias = random_vector(width, 3, 0.1f);
  const auto upstream = random_vector(rows * width, 4);
  std::vector<float> mean(rows), rstd(rows);
  auto forward = [&] {
    std::vector<float> out(rows * width);
    layernorm_forward(x.data(), weight.data(), bias.data(), rows, width, out.data(), mean.data(),
                      rstd.data());
    return out;
  };
  forward();
  std::vector<float> dx(rows * width, 0.0f), dw(width, 0.0f), db(width, 0.0f);
  layernorm_backward(upstream.data(), x.data(), mean.data(), rstd.data(), weight.data(), rows,
                     width, dx.data(), dw.data(), db.data());
  expect_gradient_matches(forward, x, dx, upstream, "layernorm dx");
  expect_gradient_matches(forward, weight, dw, upstream, "layernorm dweight");
  expect_gradient_matches(forward, bias, db, upstream, "layernorm dbias");
}

TEST(GradientCheck, LinearWithBias) {
  const int rows = 6, in = 7, out = 5;
  auto x = random_vector(rows * in, 11);
  auto weight = random_vector(out * in, 12);
  auto bias = random_vector(out, 13);
  const auto upstream = random_vector(rows * out, 14);
  auto forward = [&] {
    std::vector<float> y(rows * out);
    linear_forward(x.data(), weight.data(), bias.data(), rows, in, out, y.data());
    return y;
  };
  std::vector<float> dx(rows * in, 5.0f), dw(out * in, 0.0f), db(out, 0.0f);
  linear_backward(upstream.data(), x.data(), weight.data(), rows, in, out, dx.data(), false,
                  dw.data(), db.data());
  expect_gradient_matches(forward, x, dx, upstream, "linear dx");
  expect_gradient_matches(forward, weight, dw, upstream, "linear dweight");
  expect_gradient_matches(forward, bias, db, upstream, "linear dbias");
  // accumulate_dx adds to what is there
  std::vector<float> dx_acc(rows * in, 1.0f);
  linear_backward(upstream.data(), x.data(), weight.data(), rows, in, out, dx_acc.data(), true,
                  dw.data(), nullptr);
  for (size_t idx = 0; idx < dx.size(); ++idx) EXPECT_NEAR(dx_acc[idx], dx[idx] + 1.0f, 1e-5);
}

TEST(GradientCheck, Gelu) {
  const int count = 40;
  auto h = random_vector(count, 21, 2.0f);
  const auto upstream = random_vector(count, 22);
  auto forward = [&] {
    std::vector<float> out(count);
    gelu_forward(h.data(), count, out.data());
    return out;
  };
  std::vector<float> dh(count);
  gelu_backward(upstream.data(), h.data(), count, dh.data());
  expect_gradient_matches(forward, h, dh, upstream, "gelu", 1e-3f);
  // and the forward is the exact erf GELU, not the tanh approximation
  const float z = 1.5f;
  std::vector<float> one = {z}, y(1);
  gelu_forward(one.data(), 1, y.data());
  EXPECT_NEAR(y[0], 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0))), 1e-6);
}

TEST(GradientCheck, Embedding) {
  const int samples = 2, seq = 3, width = 4, vocab = 5;
  const std::vector<int32_t> tokens = {1, 4, 1, 0, 2, 4};
  auto tok = random_vector(vocab * width, 31);
  auto pos = random_vector(seq * width, 32);
  const auto upstream = random_vector(samples * seq * width, 33);
  auto forward = [&] {
    std::vector<float> out(samples * seq * width);
    embedding_forward(tokens.data(), tok.data(), pos.data(), samples, seq, width, out.data());
    return out;
  };
  std::vector<float> dtok(vocab * width, 0.0f), dpos(seq * width, 0.0f);
  embedding_backward(tokens.data(), upstream.data(), samples, seq, width, dtok.data(), dpos.data());
  expect_gradient_matches(forward, tok, dtok, upstream, "embedding dtok");
  expect_gradient_matches(forward, pos, dpos, upstream, "embedding dpos");
  for (int col = 0; col < width; ++col) EXPECT_EQ(dtok[3 * width + col], 0.0f);  // unused id
}

TEST(GradientCheck, CrossEntropy) {
  const int rows = 4, vocab = 9;
  auto logits = random_vector(rows * vocab, 41, 2.0f);
  const std::vector<int32_t> targets = {3, 0, 8, 3};
  const float scale = 1.0f / rows;
  auto loss_of = [&] {
    std::vector<float> copy = logits;
    return std::vector<float>{static_cast<float>(
        cross_entropy_forward_backward(copy.data(), targets.data(), rows, vocab, scale) * scale)};
  };
  std::vector<float> grad = logits;
  const double loss_sum = cross_entropy_forward_backward(grad.data(), targets.data(), rows, vocab, scale);
  // loss against a direct computation
  double expected = 0;
  for (int row = 0; row < rows; ++row) {
    double sum = 0;
    for (int col = 0; col < vocab; ++col) sum += std::exp(double(logits[row * vocab + col]));
    expected += std::log(sum) - logits[row * vocab + targets[row]];
  }
  EXPECT_NEAR(loss_sum, expected, 1e-5);
  expect_gradient_matches(loss_of, logits, grad, {1.0f}, "cross-entropy", 1e-2f);
}

TEST(GradientCheck, Dropout) {
  const int samples = 2, seq = 3, width = 10;
  const DropoutKey key{7, 3, 2, DropoutSite::kMlpResidual, 0.3f};
  auto x = random_vector(samples * seq * width, 51);
  const auto upstream = random_vector(samples * seq * width, 52);
  auto forward = [&] {
    std::vector<float> out = x;
    dropout_rows(key, 5, samples, 0, seq, 0, width, out.data());
    return out;
  };
  std::vector<float> dx = upstream;  // backward applies the same mask to the gradient
  dropout_rows(key, 5, samples, 0, seq, 0, width, dx.data());
  expect_gradient_matches(forward, x, dx, upstream, "dropout");
}

}  // namespace paratrain::kernels
