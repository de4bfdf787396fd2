#include "kernels/dropout.h"

#include <gtest/gtest.h>

#include <vector>

namespace paratrain::kernels {

namespace {

std::vector<float> mask_of(const DropoutKey& key, uint32_t sample, uint32_t position,
                           uint32_t begin, int count) {
  std::vector<float> ones(count, 1.0f);
  dropout_row(key, sample, position, begin, count, ones.data());
  return ones;
}

}  // namespace

TEST(Dropout, RateAndScale) {
  const DropoutKey key{1234, 0, 1, DropoutSite::kAttentionProbs, 0.1f};
  const auto mask = mask_of(key, 0, 0, 0, 200000);
  int dropped = 0;
  for (float value : mask) {
    if (value == 0.0f) {
      ++dropped;
    } else {
      EXPECT_FLOAT_EQ(value, 1.0f / 0.9f);
    }
  }
  EXPECT_NEAR(dropped / 200000.0, 0.1, 0.003);
}

TEST(Dropout, ZeroProbabilityIsIdentity) {
  const DropoutKey key{1234, 0, 1, DropoutSite::kMlpResidual, 0.0f};
  for (float value : mask_of(key, 3, 4, 0, 100)) EXPECT_EQ(value, 1.0f);
}

TEST(Dropout, KeyedByEveryField) {
  const DropoutKey base{77, 5, 2, DropoutSite::kAttentionResidual, 0.5f};
  const auto reference = mask_of(base, 3, 7, 0, 256);
  EXPECT_EQ(mask_of(base, 3, 7, 0, 256), reference);  // deterministic
  DropoutKey other = base;
  other.seed = 78;
  EXPECT_NE(mask_of(other, 3, 7, 0, 256), reference);
  other = base;
  other.step = 6;
  EXPECT_NE(mask_of(other, 3, 7, 0, 256), reference);
  other = base;
  other.layer = 3;
  EXPECT_NE(mask_of(other, 3, 7, 0, 256), reference);
  other = base;
  other.site = DropoutSite::kMlpResidual;
  EXPECT_NE(mask_of(other, 3, 7, 0, 256), reference);
  EXPECT_NE(mask_of(base, 4, 7, 0, 256), reference);  // sample
  EXPECT_NE(mask_of(base, 3, 8, 0, 256), reference);  // position
}

// A shard holding elements [begin, begin + count) of a row draws exactly
// those elements' masks: what tensor and sequence parallelism rely on.
TEST(Dropout, SlicesMatchTheWholeRow) {
  const DropoutKey key{5, 1, 4, DropoutSite::kAttentionProbs, 0.3f};
  const auto whole = mask_of(key, 2, 9, 0, 103);
  for (uint32_t begin : {0u, 1u, 3u, 5u, 50u, 101u}) {
    const int count = 103 - static_cast<int>(begin);
    const auto slice = mask_of(key, 2, 9, begin, count);
    for (int idx = 0; idx < count; ++idx) EXPECT_EQ(slice[idx], whole[begin + idx]) << begin;
  }
}

TEST(Dropout, RowsAreKeyedBySampleAndPosition) {
  const DropoutKey key{5, 1, 4, DropoutSite::kEmbedding, 0.3f};
  const int samples = 3, positions = 4, width = 8;
  std::vector<float> block(samples * positions * width, 1.0f);
  dropout_rows(key, 10, samples, 2, positions, 0, width, block.data());
  for (int sample_idx = 0; sample_idx < samples; ++sample_idx) {
    for (int pos_idx = 0; pos_idx < positions; ++pos_idx) {
      const auto row = mask_of(key, 10 + sample_idx, 2 + pos_idx, 0, width);
      for (int col = 0; col < width; ++col) {
        EXPECT_EQ(block[(sample_idx * positions + pos_idx) * width + col], row[col]);
      }
    }
  }
}

}  // namespace paratrain::kernels
