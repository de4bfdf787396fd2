#include "record/prediction_record.h"

#include "core/json_fields.h"

namespace paratrain {

nlohmann::json to_json(const PredictionRecord& prediction) {
  return {{"tokens_per_s", prediction.tokens_per_s},
          {"step_s", prediction.step_s},
          {"peak_bytes", prediction.peak_bytes},
          {"cluster", prediction.cluster},
          {"stage_busy_s", prediction.stage_busy_s},
          {"stage_bubble", prediction.stage_bubble}};
}

namespace {

// An optional array of numbers (absent: empty).
std::vector<double> numbers_or_empty(const nlohmann::json& object, const char* key) {
  std::vector<double> values;
  if (!json_has(object, key)) return values;
  const nlohmann::json& array = json_member(object, key);
  if (!array.is_array()) throw JsonFieldError(key, "is not an array");
  for (const nlohmann::json& value : array) {
    if (!value.is_number()) throw JsonFieldError(key, "holds a non-number");
    values.push_back(value.get<double>());
  }
  return values;
}

}  // namespace

PredictionRecord prediction_record_from_json(const nlohmann::json& prediction) {
  PredictionRecord record;
  record.tokens_per_s = json_number(prediction, "tokens_per_s");
  record.step_s = json_number(prediction, "step_s");
  const nlohmann::json& peaks = json_member(prediction, "peak_bytes");
  if (!peaks.is_array()) throw JsonFieldError("peak_bytes", "is not an array");
  for (const nlohmann::json& bytes : peaks) {
    if (!bytes.is_number_integer()) throw JsonFieldError("peak_bytes", "holds a non-integer");
    record.peak_bytes.push_back(bytes.get<int64_t>());
  }
  record.cluster = json_text_or(prediction, "cluster", "");
  record.stage_busy_s = numbers_or_empty(prediction, "stage_busy_s");
  record.stage_bubble = numbers_or_empty(prediction, "stage_bubble");
  return record;
}

}  // namespace paratrain
