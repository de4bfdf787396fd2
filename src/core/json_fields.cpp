#include "core/json_fields.h"

#include <cmath>
#include <limits>

namespace paratrain {

namespace {

std::string message(const std::string& field, const std::string& problem) {
  return problem.empty() ? "lacks " + field : field + " " + problem;
}

}  // namespace

JsonFieldError::JsonFieldError(std::string field, std::string problem)
    : std::runtime_error(message(field, problem)), field_(std::move(field)), problem_(std::move(problem)) {}

JsonFieldError JsonFieldError::within(const std::string& parent) const {
  return JsonFieldError(parent + "." + field_, problem_);
}

bool json_has(const nlohmann::json& object, const char* key) {
  return object.is_object() && object.contains(key) && !object.at(key).is_null();
}

const nlohmann::json& json_member(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) throw JsonFieldError(key, "");
  return object.at(key);
}

const nlohmann::json& json_object(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = json_member(object, key);
  if (!value.is_object()) throw JsonFieldError(key, "is not an object");
  return value;
}

double json_number(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = json_member(object, key);
  if (!value.is_number()) throw JsonFieldError(key, "is not a number");
  const double number = value.get<double>();
  if (!std::isfinite(number)) throw JsonFieldError(key, "must be a finite number (got " + value.dump() + ")");
  return number;
}

int json_int(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = json_member(object, key);
  // Strict: 2^32 + 64 is refused, never wrapped to 64.
  const bool fits = value.is_number_unsigned()
                        ? value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int>::max())
                        : value.is_number_integer() && value.get<int64_t>() >= std::numeric_limits<int>::min() &&
                              value.get<int64_t>() <= std::numeric_limits<int>::max();
  if (!fits) throw JsonFieldError(key, "must be a whole number that fits in 32 bits (got " + value.dump() + ")");
  return static_cast<int>(value.get<int64_t>());
}

int64_t json_int64(const nlohmann::json& object, const char* key) {
  // Byte counts: whole numbers, but a writer may have stored them as doubles.
  return static_cast<int64_t>(json_number(object, key));
}

std::string json_text(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = json_member(object, key);
  if (!value.is_string()) throw JsonFieldError(key, "is not a string");
  return value.get<std::string>();
}

double json_number_or(const nlohmann::json& object, const char* key, double fallback) {
  return json_has(object, key) ? json_number(object, key) : fallback;
}

int json_int_or(const nlohmann::json& object, const char* key, int fallback) {
  return json_has(object, key) ? json_int(object, key) : fallback;
}

int64_t json_int64_or(const nlohmann::json& object, const char* key, int64_t fallback) {
  return json_has(object, key) ? json_int64(object, key) : fallback;
}

std::string json_text_or(const nlohmann::json& object, const char* key, const std::string& fallback) {
  return json_has(object, key) ? json_text(object, key) : fallback;
}

}  // namespace paratrain
