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

}  // namespace paratrain
