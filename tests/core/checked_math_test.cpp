#include "core/checked_math.h"

#include <gtest/gtest.h>

#include <limits>

namespace paratrain {

TEST(CheckedMath, ProductsThatFitAreExact) {
  EXPECT_EQ(checked_mul(int64_t{1} << 31, int64_t{1} << 31), int64_t{1} << 62);
  EXPECT_EQ(checked_product({32, 134217728, 16, 4}), int64_t{1} << 38);
  EXPECT_EQ(checked_add(1, 2), 3);
}

TEST(CheckedMath, OverflowIsReportedNotWrapped) {
  EXPECT_FALSE(checked_mul(int64_t{1} << 32, int64_t{1} << 32));
  EXPECT_FALSE(checked_mul(std::numeric_limits<int64_t>::min(), -1));
  EXPECT_FALSE(checked_product({1 << 30, 1 << 30, 1 << 30}));
  EXPECT_FALSE(checked_add(std::numeric_limits<int64_t>::max(), 1));
}

}  // namespace paratrain
