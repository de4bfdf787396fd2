#include "sweep/csv_export.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "io/output_file.h"
#include "record/failed_record.h"
#include "record/run_record.h"

namespace paratrain {

namespace {

std::string real(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", value);
  return text;
}

std::string whole(long long value) { return std::to_string(value); }

std::string config_text(const ModelConfig& config) {
  return "V=" + whole(config.vocab_size) + ";T=" + whole(config.seq_len) + ";D=" + whole(config.d_model) +
         ";H=" + whole(config.n_heads) + ";L=" + whole(config.n_layers) + ";F=" + whole(config.ffn_mult) +
         ";p=" + real(config.dropout) + ";B=" + whole(config.batch_size);
}

// strategy, varied, value: empty cells for a record without a sweep block.
std::string label_columns(const std::optional<SweepLabel>& label) {
  if (!label) return ",,";
  if (!label->varied) return label->strategy + ",,";
  const std::string value = is_integer_field(*label->varied)
                                ? whole(static_cast<long long>(label->value))
                                : real(label->value);
  return label->strategy + "," + sweep_field_name(*label->varied) + "," + value;
}

// Mean utilization, max bubble and max peak total bytes over the ranks.
std::string rank_columns(const std::vector<RankRecord>& ranks) {
  double utilization = 0, bubble = 0;
  int64_t peak = 0;
  for (const RankRecord& rank : ranks) {
    utilization += rank.utilization / static_cast<double>(ranks.size());
    bubble = std::max(bubble, rank.bubble);
    peak = std::max(peak, rank.peak.total);
  }
  return real(utilization) + "," + real(bubble) + "," + whole(peak);
}

std::string measured_row(const RunRecord& run) {
  return label_columns(run.sweep) + "," + config_text(run.config) + "," + real(run.tokens_per_s) +
         "," + real(run.tokens_per_s_per_device) + "," + (run.mfu ? real(*run.mfu) : "") + "," +
         rank_columns(run.ranks) + ",ok";
}

std::string failed_row(const FailedRecord& failed) {
  return label_columns(failed.sweep) + "," + (failed.config ? config_text(*failed.config) : "") +
         ",,,,,,," + (failed.skipped ? "skipped" : "failed");
}

}  // namespace

std::string csv_header() {
  return "strategy,varied,value,config,tokens_per_s,tokens_per_s_per_device,mfu,mean_utilization,"
         "max_bubble,max_peak_total_bytes,status";
}

std::string csv_row(const nlohmann::json& record) {
  if (is_failed_record(record)) return failed_row(failed_record_from_json(record));
  return measured_row(run_record_from_json(record));
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
