#pragma once
// The sweep's results as CSV, one row per point, for spreadsheets and plots.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace paratrain {

// Columns: strategy, varied, value, config (V=..;T=..;...), tokens_per_s,
// tokens_per_s_per_device, mfu, mean_utilization, max_bubble,
// max_peak_total_bytes, status (ok, failed or skipped). Measured columns are empty for a point that
// failed or was skipped. Each stored line is read as a RunRecord or a
// FailedRecord (record/); JsonFieldError for one that is neither.
void write_csv(const std::vector<nlohmann::json>& records, const std::string& path);

// One row without its newline (exposed for tests).
std::string csv_row(const nlohmann::json& record);
std::string csv_header();

}  // namespace paratrain
