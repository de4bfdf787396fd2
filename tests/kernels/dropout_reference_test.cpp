// The vectorised dropout must draw bit-identical masks to the plain definition
// in kernels/dropout.h, computed here one scalar Philox block at a time.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/philox.h"
#include "kernels/dropout.h"

namespace paratrain::kernels {

namespace {

// Element e is kept iff philox({e / 4, position, sample, step}, {seed, layer << 8 | site})[e % 4]
// >= p * 2^32; kept elements are scaled by 1 / (1 - p).
std::vector<float> reference_mask(const DropoutKey& key, uint32_t sample, uint32_t position,
                                  uint32_t begin, int count) {
  const auto threshold = static_cast<uint32_t>(std::ldexp(static_cast<double>(key.p), 32));
  const PhiloxKey philox_key = {key.seed, key.layer << 8 | static_cast<uint32_t>(key.site)};
  std::vector<float> mask(count);
  for (int idx = 0; idx < count; ++idx) {
    const uint32_t element = begin + static_cast<uint32_t>(idx);
    const PhiloxCounter words = philox4x32_10({element / 4, position, sample, key.step}, philox_key);
    mask[idx] = words[element % 4] < threshold ? 0.0f : 1.0f / (1.0f - key.p);
  }
  return mask;
}

}  // namespace

TEST(DropoutReference, BitIdenticalToScalarPhilox) {
  const DropoutKey keys[] = {{1234, 0, 1, DropoutSite::kAttentionProbs, 0.1f},
                             {7, 99, 12, DropoutSite::kMlpResidual, 0.5f},
                             {0xFFFFFFFFu, 3, 255, DropoutSite::kEmbedding, 0.9f}};
  // Offsets and lengths around the 4-word block and the 64-word batch edges.
  const uint32_t begins[] = {0, 1, 2, 3, 4, 61, 63, 64, 65, 1000, 1023};
  const int counts[] = {1, 2, 3, 4, 5, 63, 64, 65, 127, 128, 129, 300};
  for (const DropoutKey& key : keys) {
    for (uint32_t begin : begins) {
      for (int count : counts) {
        const std::vector<float> expected = reference_mask(key, 5, 17, begin, count);
        std::vector<float> mask(count, 1.0f);
        dropout_row(key, 5, 17, begin, count, mask.data());
        ASSERT_EQ(mask, expected) << "begin " << begin << " count " << count << " p " << key.p;
      }
    }
  }
}

}  // namespace paratrain::kernels
