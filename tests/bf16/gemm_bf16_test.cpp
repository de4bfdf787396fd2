// The bf16 GEMM (kernels/gemm_bf16.h) against a float64 reference of the
// unrounded inputs, within a bound derived from bf16's rounding.
//
// The bound. With u = 2^-8 (bf16 unit roundoff, round to nearest even),
// bf16(a) = a (1 + d1), bf16(b) = b (1 + d2), |d1|, |d2| <= u, so each product
// is off by |bf16(a) bf16(b) - a b| <= ((1 + u)^2 - 1) |a b|. Summing K such
// products in fp32 (unit roundoff 2^-24) adds at most gamma_K sum |bf16(a) bf16(b)|
// with gamma_K = K 2^-24 / (1 - K 2^-24) (Higham, eq. 3.5). So
//   |C - C_exact| <= [((1 + u)^2 - 1) + gamma_K (1 + u)^2] sum_k |a_ik| |b_kj|
// element by element, a bound with no fudge factor. A wrong layout or
// transposition computes other sums, whose errors are of the size of the
// entries themselves, far beyond it; a test below checks that they fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <vector>

#include "core/philox.h"
#include "kernels/bf16.h"
#include "kernels/gemm_bf16.h"
#include "kernels/linear_bf16.h"

namespace paratrain::kernels {
namespace {

constexpr double kU = 1.0 / 256.0;

double bf16_bound_factor(int k) {
  const double gamma = k * std::ldexp(1.0, -24) / (1.0 - k * std::ldexp(1.0, -24));
  return ((1 + kU) * (1 + kU) - 1) + gamma * (1 + kU) * (1 + kU);
}

std::vector<float> random_matrix(size_t count, uint32_t seed) {
  std::vector<float> values(count);
  for (size_t idx = 0; idx < count; ++idx) {
    // Uniform in [-1, 1) from the counter-based generator: reproducible.
    const uint32_t bits = philox4x32_10({static_cast<uint32_t>(idx), 0, 0, 0}, {seed, 7})[0];
    values[idx] = static_cast<float>(bits) / 2147483648.0f - 1.0f;
  }
  return values;
}

std::vector<Bf16> rounded(const std::vector<float>& values) {
  std::vector<Bf16> out(values.size());
  round_to_bf16(values.data(), values.size(), out.data());
  return out;
}

// Element (row, col) of op(X) for X stored row-major with leading dim ld.
double at(const std::vector<float>& x, Trans trans, int row, int col, int ld) {
  return trans == Trans::kNo ? x[static_cast<size_t>(row) * ld + col] : x[static_cast<size_t>(col) * ld + row];
}

struct Case {
  Trans trans_a, trans_b;
  int m, n, k;
};

// Largest |C - exact| / bound over the elements (<= 1 passes). beta 1 adds c0.
double worst_ratio(const Case& shape, const std::vector<float>& a, const std::vector<float>& b,
                   const std::vector<float>& c0, float beta, const std::vector<float>& c) {
  const int lda = shape.trans_a == Trans::kNo ? shape.k : shape.m;
  const int ldb = shape.trans_b == Trans::kNo ? shape.n : shape.k;
  double worst = 0;
  for (int row = 0; row < shape.m; ++row) {
    for (int col = 0; col < shape.n; ++col) {
      double exact = 0, magnitude = 0;
      for (int inner = 0; inner < shape.k; ++inner) {
        const double product = at(a, shape.trans_a, row, inner, lda) * at(b, shape.trans_b, inner, col, ldb);
        exact += product;
        magnitude += std::fabs(product);
      }
      const size_t index = static_cast<size_t>(row) * shape.n + col;
      exact += beta * c0[index];
      // The beta * C add is one more fp32 rounding of a value of size |C|.
      const double bound = bf16_bound_factor(shape.k + 1) * (magnitude + std::fabs(beta * c0[index]));
      worst = std::max(worst, std::fabs(c[index] - exact) / bound);
    }
  }
  return worst;
}

using GemmFn = void (*)(Trans, Trans, int, int, int, float, const Bf16*, int, const Bf16*, int,
                        float, float*, int);

double run_case(GemmFn fn, const Case& shape, float beta, Trans run_trans_b) {
  const auto a = random_matrix(static_cast<size_t>(shape.m) * shape.k, 1);
  const auto b = random_matrix(static_cast<size_t>(shape.k) * shape.n, 2);
  const auto c0 = random_matrix(static_cast<size_t>(shape.m) * shape.n, 3);
  std::vector<float> c = c0;
  const int lda = shape.trans_a == Trans::kNo ? shape.k : shape.m;
  const int ldb = shape.trans_b == Trans::kNo ? shape.n : shape.k;
  fn(shape.trans_a, run_trans_b, shape.m, shape.n, shape.k, 1.0f, rounded(a).data(), lda,
     rounded(b).data(), ldb, beta, c.data(), shape.n);
  return worst_ratio(shape, a, b, c0, beta, c);
}

const Case kCases[] = {
    {Trans::kNo, Trans::kYes, 37, 96, 64},   // forward: y = x W^T
    {Trans::kNo, Trans::kNo, 37, 64, 96},    // input gradient: dx = dy W
    {Trans::kYes, Trans::kNo, 96, 64, 37},   // weight gradient: dW = dy^T x
    {Trans::kYes, Trans::kYes, 16, 24, 300}, // both transposed, long K
};

TEST(GemmBf16Test, RoundsToNearestEven) {
  EXPECT_EQ(to_float(to_bf16(1.0f + std::ldexp(1.0f, -8))), 1.0f);  // tie: to the even 1.0
  EXPECT_EQ(to_float(to_bf16(1.0f + 3 * std::ldexp(1.0f, -8))), 1.0f + std::ldexp(1.0f, -6));
  EXPECT_EQ(to_float(to_bf16(1.0f + std::ldexp(1.0f, -7) + std::ldexp(1.0f, -10))),
            1.0f + std::ldexp(1.0f, -7));
  EXPECT_EQ(to_float(to_bf16(-2.5f)), -2.5f);
  EXPECT_TRUE(std::isnan(to_float(to_bf16(std::nanf("")))));
}

TEST(GemmBf16Test, WithinTheRoundingBoundOnEveryLayout) {
  for (const Case& shape : kCases) {
    for (const float beta : {0.0f, 1.0f}) {
      SCOPED_TRACE(testing::Message() << "m " << shape.m << " n " << shape.n << " k " << shape.k
                                      << " trans " << (shape.trans_a == Trans::kYes)
                                      << (shape.trans_b == Trans::kYes) << " beta " << beta);
      EXPECT_LE(run_case(gemm_bf16, shape, beta, shape.trans_b), 1.0);
      EXPECT_LE(run_case(gemm_bf16_emulated, shape, beta, shape.trans_b), 1.0);
    }
  }
  std::printf("bf16 GEMM path: %s\n", gemm_bf16_path());
}

TEST(GemmBf16Test, AWrongTranspositionFails) {
  // Square, so the transposed read is in bounds and only the sums are wrong.
  const Case square{Trans::kNo, Trans::kYes, 48, 48, 48};
  const Trans wrong = Trans::kNo;
  EXPECT_GT(run_case(gemm_bf16, square, 0.0f, wrong), 10.0);
  EXPECT_GT(run_case(gemm_bf16_emulated, square, 0.0f, wrong), 10.0);
}

TEST(GemmBf16Test, RoundingHappens) {
  // Inputs that bf16 cannot hold: the product must differ from the fp32 one.
  const std::vector<float> a{1.0f + std::ldexp(1.0f, -12)}, b{1.0f};
  std::vector<float> c{0.0f};
  gemm_bf16(Trans::kNo, Trans::kNo, 1, 1, 1, 1.0f, rounded(a).data(), 1, rounded(b).data(), 1,
            0.0f, c.data(), 1);
  EXPECT_EQ(c[0], 1.0f);
}

// The linear layer's three products, each against float64 on the unrounded
// operands: forward y = x W^T, dx = dy W, dW += dy^T x (dy rounded too).
TEST(GemmBf16Test, LinearForwardAndBothBackwardProducts) {
  const int rows = 40, in = 48, out = 72;
  const auto x = random_matrix(static_cast<size_t>(rows) * in, 11);
  const auto w = random_matrix(static_cast<size_t>(out) * in, 12);
  const auto dy = random_matrix(static_cast<size_t>(rows) * out, 13);
  const auto x16 = rounded(x), w16 = rounded(w);
  std::vector<float> y(static_cast<size_t>(rows) * out), dx(static_cast<size_t>(rows) * in);
  std::vector<float> dw0 = random_matrix(static_cast<size_t>(out) * in, 14), dw = dw0;
  std::vector<Bf16> dy16(dy.size());
  linear_forward_bf16(x16.data(), w16.data(), rows, in, out, y.data());
  linear_backward_bf16(dy.data(), x16.data(), w16.data(), rows, in, out, dy16.data(), dx.data(), dw.data());
  const std::vector<float> zeros_y(y.size()), zeros_dx(dx.size());
  EXPECT_LE(worst_ratio({Trans::kNo, Trans::kYes, rows, out, in}, x, w, zeros_y, 0.0f, y), 1.0);
  EXPECT_LE(worst_ratio({Trans::kNo, Trans::kNo, rows, in, out}, dy, w, zeros_dx, 0.0f, dx), 1.0);
  EXPECT_LE(worst_ratio({Trans::kYes, Trans::kNo, out, in, rows}, dy, x, dw0, 1.0f, dw), 1.0);
}

}  // namespace
}  // namespace paratrain::kernels
