#pragma once
// Typed reads of JSON fields. A missing or mistyped field is a JsonFieldError
// naming the field, so every reader of a file (results, reference metadata)
// says which field is wrong in the same words; the caller adds the file and line.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace paratrain {

class JsonFieldError : public std::runtime_error {
 public:
  // `field` is the dotted path ("layout.dp"); `problem` what is wrong with it.
  JsonFieldError(std::string field, std::string problem);
  const std::string& field() const { return field_; }
  // The same error with `parent` before the field ("layout" + "dp").
  JsonFieldError within(const std::string& parent) const;

 private:
  std::string field_, problem_;
};

// Runs `read` and names `parent` in any JsonFieldError it throws.
template <typename Read>
auto read_within(const std::string& parent, Read&& read) {
  try {
    return read();
  } catch (const JsonFieldError& error) {
    throw error.within(parent);
  }
}

const nlohmann::json& json_member(const nlohmann::json& object, const char* key);
const nlohmann::json& json_object(const nlohmann::json& object, const char* key);
double json_number(const nlohmann::json& object, const char* key);
int json_int(const nlohmann::json& object, const char* key);
int64_t json_int64(const nlohmann::json& object, const char* key);
std::string json_text(const nlohmann::json& object, const char* key);

// Optional fields: the fallback when absent; a JsonFieldError when present
// with the wrong type.
bool json_has(const nlohmann::json& object, const char* key);
double json_number_or(const nlohmann::json& object, const char* key, double fallback);
int json_int_or(const nlohmann::json& object, const char* key, int fallback);
int64_t json_int64_or(const nlohmann::json& object, const char* key, int64_t fallback);
std::string json_text_or(const nlohmann::json& object, const char* key, const std::string& fallback);

}  // namespace paratrain
