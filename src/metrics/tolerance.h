#pragma once
// Element-wise comparison with |actual - expected| <= atol + rtol * |expected|,
// accumulated over the tensors of a group (logits, grads, ...).
#include <cstddef>
#include <string>

namespace paratrain {

struct Tolerance {
  double rtol = 0, atol = 0;
};

class ToleranceCheck {
 public:
  // The counters, for sending to another rank: see to_text()/from_text().
  std::string to_text() const;
  static ToleranceCheck from_text(const std::string& text);

  explicit ToleranceCheck(std::string group) : group_(std::move(group)) {}
  // `loose`, if given, marks elements judged by `loose_tolerance` instead.
  void compare(const std::string& tensor, const float* actual, const float* expected, size_t count,
               const Tolerance& tolerance, const bool* loose = nullptr,
               const Tolerance& loose_tolerance = {});

  bool passed() const { return failures_ == 0; }
  const std::string& group() const { return group_; }
  size_t failures() const { return failures_; }
  size_t elements() const { return elements_; }
  double max_abs_error() const { return max_abs_; }
  double max_rel_error() const { return max_rel_; }
  // Worst |error| / allowed error (<= 1 passes) and the tensor it was in.
  double worst_ratio() const { return worst_ratio_; }
  const std::string& worst_tensor() const { return worst_tensor_; }
  std::string summary() const;
  // Combines another rank's check of the same group (worst of both, counts added).
  void merge(const ToleranceCheck& other);

 private:
  std::string group_;
  size_t failures_ = 0, elements_ = 0;
  double max_abs_ = 0, max_rel_ = 0, worst_ratio_ = 0;
  std::string worst_tensor_;
};

}  // namespace paratrain
