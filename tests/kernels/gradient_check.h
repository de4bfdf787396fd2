#pragma once
// Central finite differences against an analytic gradient. The loss is
// sum_i weight_i * out_i with fixed random weights, so every output element
// matters. Tolerance: 2% of the tensor's largest analytic gradient, far below
// what a wrong backward (a missing term, a wrong sign or scale) produces.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace paratrain::testing {

inline std::vector<float> random_vector(size_t count, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> out(count);
  for (auto& value : out) value = normal(rng);
  return out;
}

inline double weighted_sum(const std::vector<float>& out, const std::vector<float>& weights) {
  double sum = 0;
  for (size_t idx = 0; idx < out.size(); ++idx) sum += double(out[idx]) * weights[idx];
  return sum;
}

// forward() recomputes the output from the current contents of `input`.
inline void expect_gradient_matches(const std::function<std::vector<float>()>& forward,
                                    std::vector<float>& input, const std::vector<float>& analytic,
                                    const std::vector<float>& weights, const std::string& what,
                                    float step = 1e-2f, int max_checks = 64) {
  ASSERT_EQ(input.size(), analytic.size()) << what;
  float max_grad = 0;
  for (float g : analytic) max_grad = std::fmax(max_grad, std::fabs(g));
  ASSERT_GT(max_grad, 0.0f) << what << ": analytic gradient is all zero";
  std::mt19937 rng(7);
  const int checks = std::min<int>(max_checks, static_cast<int>(input.size()));
  double worst = 0;
  for (int check = 0; check < checks; ++check) {
    const size_t idx = input.size() <= size_t(max_checks) ? size_t(check) : rng() % input.size();
    const float saved = input[idx];
    input[idx] = saved + step;
    const double plus = weighted_sum(forward(), weights);
    input[idx] = saved - step;
    const double minus = weighted_sum(forward(), weights);
    input[idx] = saved;
    const double numeric = (plus - minus) / (2.0 * step);
    worst = std::fmax(worst, std::fabs(numeric - analytic[idx]));
    EXPECT_NEAR(numeric, analytic[idx], 2e-2 * max_grad + 1e-5)
        << what << " element " << idx;
  }
  ::testing::Test::RecordProperty(what + "_worst_abs_error", std::to_string(worst));
}

}  // namespace paratrain::testing
