#include "record/prediction_record.h"

#include "core/json_fields.h"

namespace paratrain {

nlohmann::json to_json(const PredictionRecord& prediction) {
  return {{"tokens_per_s", prediction.tokens_per_s},
          {"step_s", prediction.step_s},
          {"peak_bytes", prediction.peak_bytes},
          {"cluster", prediction.cluster}};
}

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
  return record;
}

}  // namespace paratrain
