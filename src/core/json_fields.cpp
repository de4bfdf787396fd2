#include "core/json_fields.h"

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
  return value.get<double>();
}

int json_int(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = json_member(object, key);
  if (!value.is_number_integer()) throw JsonFieldError(key, "is not an integer");
  return value.get<int>();
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
