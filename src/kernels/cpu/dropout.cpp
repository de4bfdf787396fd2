#include "kernels/dropout.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "core/philox.h"

namespace paratrain::kernels {

namespace {

// Philox blocks drawn together: 16 blocks = 64 words, one zmm register (16
// uint32 lanes) per Philox word, so each round is a handful of instructions.
constexpr int kBatchBlocks = 16;
constexpr int kBatchWords = 4 * kBatchBlocks;

// Keep-threshold on a 32-bit word: drop iff word < threshold.
uint32_t drop_threshold(float p) {
  return static_cast<uint32_t>(std::ldexp(static_cast<double>(p), 32));
}

#if defined(__AVX512F__)
// Full 32x32->64 products of 16 uint32 lanes: *hi and *lo get the upper and
// lower halves. vpmuludq multiplies the even lanes; the odd lanes are shifted
// down to even positions for a second vpmuludq.
inline void mul_hi_lo(__m512i a, __m512i b, __m512i* hi, __m512i* lo) {
  const __m512i even = _mm512_mul_epu32(a, b);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), b);
  constexpr __mmask16 kOddLanes = 0xAAAA;
  *hi = _mm512_mask_blend_epi32(kOddLanes, _mm512_srli_epi64(even, 32), odd);
  *lo = _mm512_mask_blend_epi32(kOddLanes, even, _mm512_slli_epi64(odd, 32));
}

// The 4 x 16 words x0..x3 (lane i of xw = word w of block i) stored block by
// block: words[4 * i + w] = xw[i], a 4 x 4 transpose of 128-bit lanes.
inline void store_interleaved(__m512i x0, __m512i x1, __m512i x2, __m512i x3, uint32_t* words) {
  // Within each 128-bit lane (blocks 4j..4j+3):
  const __m512i x01_lo = _mm512_unpacklo_epi32(x0, x1);  // x0[4j], x1[4j], x0[4j+1], x1[4j+1]
  const __m512i x01_hi = _mm512_unpackhi_epi32(x0, x1);  // the same for blocks 4j+2, 4j+3
  const __m512i x23_lo = _mm512_unpacklo_epi32(x2, x3);
  const __m512i x23_hi = _mm512_unpackhi_epi32(x2, x3);
  const __m512i block0 = _mm512_unpacklo_epi64(x01_lo, x23_lo);  // lane j: block 4j
  const __m512i block1 = _mm512_unpackhi_epi64(x01_lo, x23_lo);  // lane j: block 4j+1
  const __m512i block2 = _mm512_unpacklo_epi64(x01_hi, x23_hi);
  const __m512i block3 = _mm512_unpackhi_epi64(x01_hi, x23_hi);
  // Across lanes: gather blocks 0..3, 4..7, 8..11, 12..15.
  const __m512i b01_low = _mm512_shuffle_i32x4(block0, block1, 0x44);   // blocks 0, 4, 1, 5
  const __m512i b23_low = _mm512_shuffle_i32x4(block2, block3, 0x44);   // blocks 2, 6, 3, 7
  const __m512i b01_high = _mm512_shuffle_i32x4(block0, block1, 0xEE);  // blocks 8, 12, 9, 13
  const __m512i b23_high = _mm512_shuffle_i32x4(block2, block3, 0xEE);  // blocks 10, 14, 11, 15
  _mm512_storeu_si512(words + 0, _mm512_shuffle_i32x4(b01_low, b23_low, 0x88));
  _mm512_storeu_si512(words + 16, _mm512_shuffle_i32x4(b01_low, b23_low, 0xDD));
  _mm512_storeu_si512(words + 32, _mm512_shuffle_i32x4(b01_high, b23_high, 0x88));
  _mm512_storeu_si512(words + 48, _mm512_shuffle_i32x4(b01_high, b23_high, 0xDD));
}
#endif

// philox4x32_10 (core/philox.h, the reference) on the kBatchBlocks counters
// {first_block + i, ctr1, ctr2, ctr3}, written interleaved as that function's
// outputs would be: words[4 * i + lane] = philox4x32_10(counter i, key)[lane].
// The state is four vectors of 16 lanes (one lane per block).
void philox_batch(uint32_t first_block, uint32_t ctr1, uint32_t ctr2, uint32_t ctr3,
                  PhiloxKey key, uint32_t* words) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
#if defined(__AVX512F__)
  static_assert(kBatchBlocks == 16, "one zmm register of uint32 lanes per Philox word");
  const __m512i lane_idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i x0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first_block)), lane_idx);
  __m512i x1 = _mm512_set1_epi32(static_cast<int>(ctr1));
  __m512i x2 = _mm512_set1_epi32(static_cast<int>(ctr2));
  __m512i x3 = _mm512_set1_epi32(static_cast<int>(ctr3));
  const __m512i mul0 = _mm512_set1_epi32(static_cast<int>(kMul0));
  const __m512i mul1 = _mm512_set1_epi32(static_cast<int>(kMul1));
  uint32_t key0 = key[0], key1 = key[1];
  for (int round = 0; round < 10; ++round) {
    __m512i hi0, lo0, hi1, lo1;
    mul_hi_lo(x0, mul0, &hi0, &lo0);
    mul_hi_lo(x2, mul1, &hi1, &lo1);
    // 0x96 = a ^ b ^ c
    x0 = _mm512_ternarylogic_epi32(hi1, x1, _mm512_set1_epi32(static_cast<int>(key0)), 0x96);
    x2 = _mm512_ternarylogic_epi32(hi0, x3, _mm512_set1_epi32(static_cast<int>(key1)), 0x96);
    x1 = lo1;
    x3 = lo0;
    key0 += kWeyl0;
    key1 += kWeyl1;
  }
  store_interleaved(x0, x1, x2, x3, words);
#elif defined(__AVX2__)
  // Two ymm registers (8 uint32 lanes each) per Philox word; the rounds as
  // above, the products' odd lanes through a second vpmuludq.
  static_assert(kBatchBlocks == 16, "two ymm registers of uint32 lanes per Philox word");
  const auto mul_hi_lo = [](__m256i a, __m256i b, __m256i* hi, __m256i* lo) {
    const __m256i even = _mm256_mul_epu32(a, b);
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), b);
    constexpr int kOddLanes = 0xAA;
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, kOddLanes);
    *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), kOddLanes);
  };
  const __m256i mul0 = _mm256_set1_epi32(static_cast<int>(kMul0));
  const __m256i mul1 = _mm256_set1_epi32(static_cast<int>(kMul1));
  __m256i x[2][4];  // (half of the blocks, word)
  for (int half = 0; half < 2; ++half) {
    const __m256i lane_idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    x[half][0] = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first_block + 8 * half)), lane_idx);
    x[half][1] = _mm256_set1_epi32(static_cast<int>(ctr1));
    x[half][2] = _mm256_set1_epi32(static_cast<int>(ctr2));
    x[half][3] = _mm256_set1_epi32(static_cast<int>(ctr3));
  }
  uint32_t key0 = key[0], key1 = key[1];
  for (int round = 0; round < 10; ++round) {
    const __m256i k0 = _mm256_set1_epi32(static_cast<int>(key0));
    const __m256i k1 = _mm256_set1_epi32(static_cast<int>(key1));
    for (auto& h : x) {
      __m256i hi0, lo0, hi1, lo1;
      mul_hi_lo(h[0], mul0, &hi0, &lo0);
      mul_hi_lo(h[2], mul1, &hi1, &lo1);
      h[0] = _mm256_xor_si256(_mm256_xor_si256(hi1, h[1]), k0);
      h[2] = _mm256_xor_si256(_mm256_xor_si256(hi0, h[3]), k1);
      h[1] = lo1;
      h[3] = lo0;
    }
    key0 += kWeyl0;
    key1 += kWeyl1;
  }
  alignas(32) uint32_t state[4][kBatchBlocks];  // (word, block)
  for (int half = 0; half < 2; ++half) {
    for (int word = 0; word < 4; ++word) {
      _mm256_store_si256(reinterpret_cast<__m256i*>(&state[word][8 * half]), x[half][word]);
    }
  }
  for (int word = 0; word < kBatchWords; ++word) words[word] = state[word % 4][word / 4];
#else
  // Plain structure-of-arrays form of the same rounds.
  uint32_t state[4][kBatchBlocks];  // (word, block)
  for (int idx = 0; idx < kBatchBlocks; ++idx) {
    state[0][idx] = first_block + static_cast<uint32_t>(idx);
    state[1][idx] = ctr1;
    state[2][idx] = ctr2;
    state[3][idx] = ctr3;
  }
  uint32_t key0 = key[0], key1 = key[1];
  for (int round = 0; round < 10; ++round) {
    for (int idx = 0; idx < kBatchBlocks; ++idx) {
      const uint64_t prod0 = uint64_t{kMul0} * state[0][idx];
      const uint64_t prod1 = uint64_t{kMul1} * state[2][idx];
      state[0][idx] = uint32_t(prod1 >> 32) ^ state[1][idx] ^ key0;
      state[1][idx] = uint32_t(prod1);
      state[2][idx] = uint32_t(prod0 >> 32) ^ state[3][idx] ^ key1;
      state[3][idx] = uint32_t(prod0);
    }
    key0 += kWeyl0;
    key1 += kWeyl1;
  }
  for (int word = 0; word < kBatchWords; ++word) words[word] = state[word % 4][word / 4];
#endif
}

}  // namespace

void dropout_row(const DropoutKey& key, uint32_t sample, uint32_t position, uint32_t element_begin,
                 int count, float* data) {
  if (!key.active() || count <= 0) return;
  const uint32_t threshold = drop_threshold(key.p);
  const float scale = 1.0f / (1.0f - key.p);
  const PhiloxKey philox_key = {key.seed, key.layer << 8 | static_cast<uint32_t>(key.site)};
  // 64-bit element arithmetic: a batch may reach past 2^32 at the very end of the range.
  const uint64_t begin = element_begin, end = begin + static_cast<uint64_t>(count);
  // Batches of whole Philox blocks; the first and last batch may be partial.
  for (uint64_t batch_start = begin / 4 * 4; batch_start < end; batch_start += kBatchWords) {
    alignas(64) uint32_t words[kBatchWords];
    philox_batch(static_cast<uint32_t>(batch_start / 4), position, sample, key.step, philox_key,
                 words);
    const uint64_t first = std::max(batch_start, begin);
    const uint64_t last = std::min(batch_start + kBatchWords, end);
    const uint32_t* batch_words = words + (first - batch_start);
    float* out = data + (first - begin);
    const int n = static_cast<int>(last - first);
#pragma omp simd
    for (int idx = 0; idx < n; ++idx) out[idx] *= batch_words[idx] < threshold ? 0.0f : scale;
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
