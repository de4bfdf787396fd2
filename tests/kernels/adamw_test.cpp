#include "kernels/adamw.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace paratrain::kernels {

// Three steps against MODEL.md's formula in double.
TEST(AdamW, MatchesTheFormula) {
  const AdamWHyper hyper{1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f};
  for (bool decay : {true, false}) {
    std::vector<float> param = {0.5f, -1.0f, 2.0f, 0.0f}, m(4, 0.0f), v(4, 0.0f);
    std::vector<double> p_ref(param.begin(), param.end()), m_ref(4, 0.0), v_ref(4, 0.0);
    for (long step = 1; step <= 3; ++step) {
      const std::vector<float> grad = {0.1f * step, -0.2f, 3.0f, 1e-9f};
      adamw_step(param.data(), grad.data(), m.data(), v.data(), 4, hyper, decay, step);
      for (int idx = 0; idx < 4; ++idx) {
        if (decay) p_ref[idx] -= hyper.lr * hyper.weight_decay * p_ref[idx];
        m_ref[idx] = 0.9 * m_ref[idx] + 0.1 * grad[idx];
        v_ref[idx] = 0.95 * v_ref[idx] + 0.05 * double(grad[idx]) * grad[idx];
        const double m_hat = m_ref[idx] / (1 - std::pow(0.9, step));
        const double v_hat = v_ref[idx] / (1 - std::pow(0.95, step));
        p_ref[idx] -= hyper.lr * m_hat / (std::sqrt(v_hat) + 1e-8);
        EXPECT_NEAR(param[idx], p_ref[idx], 2e-6) << "step " << step << " element " << idx;
      }
    }
  }
}

}  // namespace paratrain::kernels
