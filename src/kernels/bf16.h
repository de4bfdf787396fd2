#pragma once
// bfloat16: the top 16 bits of an IEEE float (8 exponent bits, 7 stored
// mantissa bits, so a unit roundoff of 2^-8 under round-to-nearest-even).
// Stored as its bit pattern; the arithmetic is always done in float.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace paratrain::kernels {

struct Bf16 {
  uint16_t bits = 0;
};
static_assert(sizeof(Bf16) == 2);

// Round to nearest, ties to even (what oneDNN and PyTorch do); NaN stays NaN.
inline Bf16 to_bf16(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u) return Bf16{static_cast<uint16_t>((bits >> 16) | 0x40u)};
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return Bf16{static_cast<uint16_t>((bits + rounding) >> 16)};
}

inline float to_float(Bf16 value) {
  const uint32_t bits = static_cast<uint32_t>(value.bits) << 16;
  float result = 0.0f;
  std::memcpy(&result, &bits, sizeof(result));
  return result;
}

// out[i] = bf16(in[i]) for i < count.
void round_to_bf16(const float* in, size_t count, Bf16* out);
// out[i] = float(in[i]) for i < count.
void widen_from_bf16(const Bf16* in, size_t count, float* out);

}  // namespace paratrain::kernels
