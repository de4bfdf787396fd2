#include "report/markdown_tables.h"

#include <algorithm>

#include "report/run_selection.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

std::string mib(int64_t bytes) { return fixed(bytes / (1024.0 * 1024.0), 2); }

// A table cell must not break the row: pipes and newlines are escaped.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string utilization_per_rank(const RunRecord& run) {
  std::string text;
  for (const RankRecord& rank : run.ranks) {
    text += (text.empty() ? "" : ", ") + std::string("r") + std::to_string(rank.rank) + " " +
            percent(rank.utilization);
  }
  return text;
}

std::string micro_batch_row(const RunRecord& run) {
  int64_t rss = 0;
  for (const RankRecord& rank : run.ranks) rss = std::max(rss, rank.peak_rss_bytes);
  return "| " + cell(run.sweep.strategy) + " | " + std::to_string(run.layout.micro_batches) +
         " | " + utilization_per_rank(run) + " | " + percent(mean_utilization(run)) + " | " +
         fixed(run.tokens_per_s, 0) + " | " + fixed(run.tokens_per_s_per_device, 0) + " | " +
         mib(max_memory_bytes(run)) + " | " + mib(rss) + " |\n";
}

}  // namespace

std::string micro_batch_tables(const Results& results) {
  const auto sizes = values_along(results, SweepAxis::micro_batch);
  if (sizes.empty()) return "Skipped: no successful run varies micro_batch.\n\n";
  std::string text;
  for (double size : sizes) {
    text += "#### Micro-batch size " + value_text(size) + "\n\n";
    text +=
        "| strategy | micro-batches m | utilization per device | mean utilization | "
        "throughput (tokens/s) | per device (tokens/s) | max memory per device (MiB) | "
        "max peak RSS (MiB) |\n|---|---:|---|---:|---:|---:|---:|---:|\n";
    for (const std::string& strategy : strategies_of(results)) {
      if (const RunRecord* run = run_at(results, SweepAxis::micro_batch, strategy, size)) {
        text += micro_batch_row(*run);
      }
    }
    text += "\n";
  }
  return text;
}

std::string failures_table(const Results& results) {
  if (results.failures.empty()) return "None: every point ran.\n\n";
  std::string text =
      "| line | strategy | varied | value | exit code | error |\n|---:|---|---|---:|---:|---|\n";
  for (const FailedPoint& failure : results.failures) {
    text += "| " + std::to_string(failure.line) + " | " + cell(failure.sweep.strategy) + " | " +
            axis_field_name(failure.sweep.varied) + " | " + value_text(failure.sweep.value) +
            " | " + std::to_string(failure.exit_code) + " | " + cell(failure.error) + " |\n";
  }
  return text + "\n";
}

std::string runs_table(const Results& results) {
  std::string text =
      "| line | strategy | varied | B | T | L | dp·pp·tp | micro-batch × m | median step (ms) | "
      "tokens/s | tokens/s per device | mean utilization | mean bubble | max memory (MiB) | MFU |\n"
      "|---:|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const RunRecord& run : results.runs) {
    const LayoutShape& layout = run.layout;
    const std::string varied =
        run.sweep.varied == SweepAxis::none
            ? "-"
            : std::string(axis_field_name(run.sweep.varied)) + "=" + value_text(run.sweep.value);
    text += "| " + std::to_string(run.line) + " | " + cell(run.sweep.strategy) + " | " + varied +
            " | " + std::to_string(run.config.batch_size) + " | " +
            std::to_string(run.config.seq_len) + " | " + std::to_string(run.config.n_layers) +
            " | " + std::to_string(layout.dp) + "·" + std::to_string(layout.pp) + "·" +
            std::to_string(layout.tp) + " | " + std::to_string(layout.micro_batch) + " × " +
            std::to_string(layout.micro_batches) + " | " + fixed(1000.0 * run.step_median_s, 3) +
            " | " + fixed(run.tokens_per_s, 0) + " | " + fixed(run.tokens_per_s_per_device, 0) +
            " | " + percent(mean_utilization(run)) + " | " + percent(mean_bubble(run)) + " | " +
            mib(max_memory_bytes(run)) + " | " +
            (run.mfu < 0 ? std::string("-") : percent(run.mfu, 2)) + " |\n";
  }
  return text + "\n";
}

}  // namespace paratrain::report
