#include "sweep/csv_export.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "io/output_file.h"

namespace paratrain {

namespace {

std::string number(const nlohmann::json& value) {
  if (!value.is_number()) return "";
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", value.get<double>());
  return text;
}

std::string scalar(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return number(value);
}

std::string config_text(const nlohmann::json& config) {
  static const char* const kFields[][2] = {{"vocab_size", "V"}, {"seq_len", "T"}, {"d_model", "D"},
                                           {"n_heads", "H"},    {"n_layers", "L"}, {"ffn_mult", "F"},
                                           {"dropout", "p"},    {"batch_size", "B"}};
  std::string text;
  for (const auto& field : kFields) {
    if (!config.contains(field[0])) continue;
    text += (text.empty() ? "" : ";") + std::string(field[1]) + "=" + number(config[field[0]]);
  }
  return text;
}

// Mean utilization, max bubble and max peak total bytes over the ranks.
std::string rank_columns(const nlohmann::json& ranks) {
  if (!ranks.is_array() || ranks.empty()) return ",,";
  double utilization = 0, bubble = 0;
  long long peak = 0;
  for (const auto& rank : ranks) {
    utilization += rank.value("utilization", 0.0) / static_cast<double>(ranks.size());
    bubble = std::max(bubble, rank.value("bubble", 0.0));
    if (rank.contains("peak_bytes")) peak = std::max(peak, rank["peak_bytes"].value("total", 0LL));
  }
  return number(utilization) + "," + number(bubble) + "," + std::to_string(peak);
}

}  // namespace

std::string csv_header() {
  return "strategy,varied,value,config,tokens_per_s,tokens_per_s_per_device,mfu,mean_utilization,"
         "max_bubble,max_peak_total_bytes,status";
}

std::string csv_row(const nlohmann::json& record) {
  const nlohmann::json sweep = record.value("sweep", nlohmann::json::object());
  const nlohmann::json none;
  const bool skipped = record.value("skipped", false);
  const std::string status = skipped ? "skipped" : record.value("status", std::string("ok"));
  const bool measured = status == "ok";
  return scalar(sweep.value("strategy", none)) + "," + scalar(sweep.value("varied", none)) + "," +
         scalar(sweep.value("value", none)) + "," +
         config_text(record.value("config", nlohmann::json::object())) + "," +
         (measured ? number(record.value("tokens_per_s", none)) : "") + "," +
         (measured ? number(record.value("tokens_per_s_per_device", none)) : "") + "," +
         (measured ? number(record.value("mfu", none)) : "") + "," +
         (measured ? rank_columns(record.value("ranks", none)) : ",,") + "," + status;
}

void write_csv(const std::vector<nlohmann::json>& records, const std::string& path) {
  const auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder);
  // Written beside and renamed, so a reader never sees half a file; never
  // renamed over something that is not a regular file (a device node).
  OutputFile out(path, "--csv");
  out.write(csv_header() + "\n");
  for (const auto& record : records) out.write(csv_row(record) + "\n");
  out.commit();
}

}  // namespace paratrain
