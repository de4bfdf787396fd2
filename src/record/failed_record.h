#pragma once
// A sweep point that produced no measurement: bench failed (refused, crashed,
// killed, timed out), or the sweep never launched it ("skipped"). Stored in
// the results file beside the run records, with "status": "failed".
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "model/config.h"
#include "parallel/layout.h"
#include "record/run_record.h"

namespace paratrain {

struct FailedRecord {
  std::optional<SweepLabel> sweep;
  int exit_code = -1;  // -1: the record gives none
  std::string error;   // the failure's one line
  bool skipped = false;
  std::string reason;  // why a skipped point was not launched
  // As the sweep asked for them; empty when the record's copy is incomplete.
  std::optional<ModelConfig> config;
  std::optional<Layout> layout;
  std::optional<HostLabel> hosts;  // set by a sweep: across hosts or local
  bool operator==(const FailedRecord&) const = default;
};

// "status": "failed" marks a FailedRecord; anything else ("ok", absent) a RunRecord.
bool is_failed_record(const nlohmann::json& record);

nlohmann::json to_json(const FailedRecord& failed);
// Lenient: a failure can come before its config or layout is complete.
// JsonFieldError only for a field present with the wrong type.
FailedRecord failed_record_from_json(const nlohmann::json& record);

}  // namespace paratrain
