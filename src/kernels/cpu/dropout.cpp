#include "kernels/dropout.h"

#include <cmath>

#include "core/philox.h"

namespace paratrain::kernels {

namespace {

// Keep-threshold on a 32-bit word: drop iff word < threshold.
uint32_t drop_threshold(float p) {
  return static_cast<uint32_t>(std::ldexp(static_cast<double>(p), 32));
}

}  // namespace

void dropout_row(const DropoutKey& key, uint32_t sample, uint32_t position, uint32_t element_begin,
                 int count, float* data) {
  if (!key.active() || count <= 0) return;
  const uint32_t threshold = drop_threshold(key.p);
  const float scale = 1.0f / (1.0f - key.p);
  const PhiloxKey philox_key = {key.seed, key.layer << 8 | static_cast<uint32_t>(key.site)};
  const uint32_t element_end = element_begin + static_cast<uint32_t>(count);
  // Process whole Philox blocks of 4 elements; the first and last may be partial.
  for (uint32_t block = element_begin / 4; block * 4 < element_end; ++block) {
    const PhiloxCounter words = philox4x32_10({block, position, sample, key.step}, philox_key);
    for (uint32_t lane = 0; lane < 4; ++lane) {
      const uint32_t element = block * 4 + lane;
      if (element < element_begin || element >= element_end) continue;
      data[element - element_begin] *= words[lane] < threshold ? 0.0f : scale;
    }
  }
}

void dropout_rows(const DropoutKey& key, uint32_t first_sample, int samples, uint32_t first_position,
                  int positions, uint32_t element_begin, int width, float* data) {
  if (!key.active()) return;
  for (int sample_idx = 0; sample_idx < samples; ++sample_idx) {
    for (int pos_idx = 0; pos_idx < positions; ++pos_idx) {
      float* row = data + (static_cast<size_t>(sample_idx) * positions + pos_idx) * width;
      dropout_row(key, first_sample + sample_idx, first_position + pos_idx, element_begin, width,
                  row);
    }
  }
}

}  // namespace paratrain::kernels
