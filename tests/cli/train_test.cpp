// Training on real text makes the loss fall.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "run_command.h"

namespace paratrain {

// Any text file will do; this one is on every Debian machine.
TEST(Train, LossFallsOnRealText) {
  const auto result = testing::run_paratrain(
      "train --data /usr/share/common-licenses/GPL-3 --vocab-size 256 --seq-len 64 --d-model 64 "
      "--n-heads 4 --n-layers 2 --batch-size 8 --lr 3e-3 --dropout 0.1 --steps 60 --seed 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto losses = testing::losses_of(result.output);
  ASSERT_EQ(losses.size(), 60u) << result.output;
  double last_mean = 0;
  for (size_t step = 50; step < 60; ++step) last_mean += losses[step] / 10;
  EXPECT_NEAR(losses.front(), std::log(256.0), 0.3);  // starts at chance
  EXPECT_LT(last_mean, losses.front() - 2.0) << "first " << losses.front() << ", last ten " << last_mean;
}

}  // namespace paratrain
