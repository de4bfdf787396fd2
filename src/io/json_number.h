#pragma once
// A number from a file's JSON, converted strictly: a whole number that fits
// the integer type, or a finite float. A value that does not fit (2^32 + 64
// as int, 1e300, 1e39 as float) is refused (UsageError naming `where`), never
// wrapped or turned into infinity.
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "core/error.h"

namespace paratrain {

template <typename T>
T strict_json_number(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number()) throw UsageError(where + " is not a number");
  if constexpr (std::is_integral_v<T>) {
    const bool fits = value.is_number_unsigned()
                          ? value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
                          : value.is_number_integer() && value.get<int64_t>() >= std::numeric_limits<T>::min() &&
                                value.get<int64_t>() <= std::numeric_limits<T>::max();
    if (!fits) throw UsageError(where + " must be a whole number that fits in 32 bits (got " + value.dump() + ")");
    return static_cast<T>(value.get<int64_t>());
  } else {
    const double number = value.get<double>();
    if (!std::isfinite(number) || !std::isfinite(static_cast<T>(number))) {
      throw UsageError(where + " must be a finite number (got " + value.dump() + ")");
    }
    return static_cast<T>(number);
  }
}

}  // namespace paratrain
