#include "record/failed_record.h"

#include "core/json_fields.h"

namespace paratrain {

namespace {

template <typename Read>
auto if_complete(Read&& read) -> std::optional<decltype(read())> {
  try {
    return read();
  } catch (const JsonFieldError&) {
    return std::nullopt;  // a point can fail before its configuration is whole
  }
}

}  // namespace

bool is_failed_record(const nlohmann::json& record) {
  return record.is_object() && record.contains("status") && record["status"] == "failed";
}

nlohmann::json to_json(const FailedRecord& failed) {
  nlohmann::json out = {{"status", "failed"}, {"error", failed.error}, {"exit_code", failed.exit_code}};
  if (failed.skipped) {
    out["skipped"] = true;
    out["reason"] = failed.reason;
  }
  if (failed.sweep) out["sweep"] = to_json(*failed.sweep);
  if (failed.config) out["config"] = nlohmann::json::parse(failed.config->to_json());
  if (failed.layout) out["layout"] = nlohmann::json::parse(failed.layout->to_json());
  if (failed.hosts) write_host_label(*failed.hosts, out);
  return out;
}

FailedRecord failed_record_from_json(const nlohmann::json& record) {
  FailedRecord failed;
  if (json_has(record, "sweep")) failed.sweep = sweep_label_from_json(record.at("sweep"));
  failed.exit_code = json_int_or(record, "exit_code", -1);
  failed.error = json_text_or(record, "error", "(no error message)");
  if (json_has(record, "skipped")) {
    if (!record["skipped"].is_boolean()) throw JsonFieldError("skipped", "is not a boolean");
    failed.skipped = record["skipped"].get<bool>();
  }
  failed.reason = json_text_or(record, "reason", "");
  if (json_has(record, "config")) {
    failed.config = if_complete([&] { return ModelConfig::from_json(record.at("config")); });
  }
  if (json_has(record, "layout")) {
    failed.layout = if_complete([&] { return Layout::from_json(record.at("layout")); });
  }
  failed.hosts = read_host_label(record);
  return failed;
}

}  // namespace paratrain
