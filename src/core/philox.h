#pragma once
// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11): a counter-based generator. The same (counter, key) always gives the
// same four 32-bit words, so any rank can draw exactly the numbers the
// sequential run drew for a given element, without drawing the ones before it.
#include <array>
#include <cstdint>

namespace paratrain {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

inline PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKey key) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t prod0 = uint64_t{kMul0} * ctr[0];
    const uint64_t prod1 = uint64_t{kMul1} * ctr[2];
    ctr = {uint32_t(prod1 >> 32) ^ ctr[1] ^ key[0], uint32_t(prod1),
           uint32_t(prod0 >> 32) ^ ctr[3] ^ key[1], uint32_t(prod0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return ctr;
}

}  // namespace paratrain
