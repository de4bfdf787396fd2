#include "core/memory.h"

#include <gtest/gtest.h>

namespace paratrain {

TEST(MemoryTracker, LiveAndPeakPerCategory) {
  MemoryTracker tracker;
  {
    Buffer<float> params(tracker, MemoryCategory::kParameters, 100);
    Buffer<float> acts(tracker, MemoryCategory::kActivations, 50);
    EXPECT_EQ(tracker.live_bytes(MemoryCategory::kParameters), 400u);
    EXPECT_EQ(tracker.live_bytes(MemoryCategory::kActivations), 200u);
    EXPECT_EQ(tracker.live_total(), 600u);
    EXPECT_EQ(params[99], 0.0f);  // zero-initialised
  }
  EXPECT_EQ(tracker.live_total(), 0u);
  EXPECT_EQ(tracker.peak_total(), 600u);
  EXPECT_EQ(tracker.peak_bytes(MemoryCategory::kParameters), 400u);
  Buffer<float> again(tracker, MemoryCategory::kActivations, 10);
  EXPECT_EQ(tracker.peak_bytes(MemoryCategory::kActivations), 200u);
}

TEST(MemoryTracker, MoveKeepsOneOwner) {
  MemoryTracker tracker;
  Buffer<int> first(tracker, MemoryCategory::kWorkspace, 16);
  Buffer<int> second = std::move(first);
  EXPECT_EQ(first.data(), nullptr);
  EXPECT_EQ(tracker.live_total(), 64u);
  second = Buffer<int>();
  EXPECT_EQ(tracker.live_total(), 0u);
}

TEST(MemoryTracker, PlanOnlyRecordsSizesAndHoldsNoMemory) {
  MemoryTracker plan(TrackerMode::kPlanOnly);
  EXPECT_TRUE(plan.plans_only());
  const size_t rss_before = peak_rss_bytes();
  {
    // 64 GiB: more than the machine has, so a plan must not commit it.
    Buffer<float> huge(plan, MemoryCategory::kActivations, size_t{16} << 30);
    Buffer<float> small(plan, MemoryCategory::kParameters, 10);
    EXPECT_NE(huge.data(), nullptr);
    EXPECT_EQ(plan.live_total(), (size_t{64} << 30) + 40);
  }
  EXPECT_EQ(plan.live_total(), 0u);
  EXPECT_EQ(plan.peak_bytes(MemoryCategory::kActivations), size_t{64} << 30);
  EXPECT_LT(peak_rss_bytes() - rss_before, size_t{64} << 20);
}

}  // namespace paratrain
