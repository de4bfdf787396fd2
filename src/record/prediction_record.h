#pragma once
// The planner's prediction for a run's own layout, carried in its record
// beside the measurement (issue 12), so any run shows how far the model is
// off: "predicted": {"tokens_per_s", "step_s", "peak_bytes": [per rank], "cluster",
// "stage_busy_s": [per stage], "stage_bubble": [per stage]}.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace paratrain {

struct PredictionRecord {
  double tokens_per_s = 0;
  double step_s = 0;
  std::vector<int64_t> peak_bytes;  // (world) planned peak tracked bytes, by world rank
  std::string cluster;              // the description the prediction priced with
  // By pipeline stage (pp): its predicted compute (busy) seconds and bubble
  // share, the simulator's replay of the run's own schedule and partition.
  // Empty in records written before they were kept.
  std::vector<double> stage_busy_s;
  std::vector<double> stage_bubble;
  bool operator==(const PredictionRecord&) const = default;
};

nlohmann::json to_json(const PredictionRecord& prediction);
// JsonFieldError (core/json_fields.h) naming a missing or mistyped field.
PredictionRecord prediction_record_from_json(const nlohmann::json& prediction);

}  // namespace paratrain
