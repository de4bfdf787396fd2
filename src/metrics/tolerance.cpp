#include "metrics/tolerance.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace paratrain {

void ToleranceCheck::compare(const std::string& tensor, const float* actual, const float* expected,
                             size_t count, const Tolerance& tolerance, const bool* loose,
                             const Tolerance& loose_tolerance) {
  for (size_t idx = 0; idx < count; ++idx) {
    const Tolerance& rule = (loose != nullptr && loose[idx]) ? loose_tolerance : tolerance;
    const double want = expected[idx], got = actual[idx];
    const double error = std::fabs(got - want);
    const double allowed = rule.atol + rule.rtol * std::fabs(want);
    const double ratio = std::isfinite(error) ? error / allowed : INFINITY;
    ++elements_;
    if (!(ratio <= 1.0)) ++failures_;
    max_abs_ = std::fmax(max_abs_, error);
    // Relative error only where it means something: above the absolute floor.
    if (std::fabs(want) > rule.atol) max_rel_ = std::fmax(max_rel_, error / std::fabs(want));
    if (!(ratio <= worst_ratio_)) {
      worst_ratio_ = ratio;
      worst_tensor_ = tensor;
    }
  }
}

std::string ToleranceCheck::summary() const {
  char line[512];
  std::snprintf(line, sizeof line,
                "%-7s %s  max abs err %.3e  max rel err %.3e  worst err/allowed %.3f in %s  "
                "(%zu of %zu elements outside)",
                group_.c_str(), passed() ? "ok  " : "FAIL", max_abs_, max_rel_, worst_ratio_,
                worst_tensor_.c_str(), failures_, elements_);
  return line;
}

}  // namespace paratrain

namespace paratrain {

namespace {

// JSON has no inf or NaN (nlohmann writes null): an infinite error, from an
// infinite value in a reference file, travels as text and stays a mismatch.
nlohmann::json number_json(double value) {
  if (std::isfinite(value)) return value;
  return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
}

double number_from(const nlohmann::json& value) {
  return value.is_string() ? std::strtod(value.get<std::string>().c_str(), nullptr) : value.get<double>();
}

}  // namespace

void ToleranceCheck::merge(const ToleranceCheck& other) {
  failures_ += other.failures_;
  elements_ += other.elements_;
  max_abs_ = std::fmax(max_abs_, other.max_abs_);
  max_rel_ = std::fmax(max_rel_, other.max_rel_);
  if (other.worst_ratio_ > worst_ratio_ || (worst_tensor_.empty() && other.elements_ > 0)) {
    worst_ratio_ = other.worst_ratio_;
    worst_tensor_ = other.worst_tensor_;
  }
}

std::string ToleranceCheck::to_text() const {
  return nlohmann::json{{"group", group_},
                        {"failures", failures_},
                        {"elements", elements_},
                        {"max_abs", number_json(max_abs_)},
                        {"max_rel", number_json(max_rel_)},
                        {"worst_ratio", number_json(worst_ratio_)},
                        {"worst_tensor", worst_tensor_}}
      .dump();
}

ToleranceCheck ToleranceCheck::from_text(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  ToleranceCheck check(j["group"].get<std::string>());
  check.failures_ = j["failures"];
  check.elements_ = j["elements"];
  check.max_abs_ = number_from(j["max_abs"]);
  check.max_rel_ = number_from(j["max_rel"]);
  check.worst_ratio_ = number_from(j["worst_ratio"]);
  check.worst_tensor_ = j["worst_tensor"];
  return check;
}

}  // namespace paratrain
