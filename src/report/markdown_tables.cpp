#include "report/markdown_tables.h"

#include <algorithm>

#include "report/noise.h"
#include "record/sweep_field.h"
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

std::string utilization_per_rank(const MeasuredRun& run) {
  std::string text;
  for (const paratrain::RankRecord& rank : run.ranks) {
    text += (text.empty() ? "" : ", ") + std::string("r") + std::to_string(rank.rank) + " " +
            percent(rank.utilization);
  }
  return text;
}

std::string micro_batch_row(const MeasuredRun& run) {
  int64_t rss = 0;
  for (const paratrain::RankRecord& rank : run.ranks) rss = std::max(rss, rank.peak_rss_bytes);
  return "| " + cell(run.point.strategy) + " | " + std::to_string(run.layout.micro_batches(run.config)) +
         " | " + utilization_per_rank(run) + " | " + percent(mean_utilization(run)) + " | " +
         value_with_range(run.tokens_per_s, run.tokens_spread, run.repeats, 0) + " | " +
         value_with_range(run.tokens_per_s_per_device, run.per_device_spread, run.repeats, 0) + " | " +
         mib(max_memory_bytes(run)) + " | " + mib(rss) + " |\n";
}

}  // namespace

std::string micro_batch_tables(const Results& results) {
  const auto sizes = values_along(results, SweepField::kMicroBatch);
  if (sizes.empty()) return "Skipped: no successful run varies micro_batch.\n\n";
  std::string text;
  for (double size : sizes) {
    text += "#### Micro-batch size " + value_text(size) + "\n\n";
    text +=
        "| strategy | micro-batches m | utilization per device | mean utilization | "
        "throughput (tokens/s) | per device (tokens/s) | max memory per device (MiB) | "
        "max peak RSS (MiB) |\n|---|---:|---|---:|---:|---:|---:|---:|\n";
    for (const std::string& strategy : strategies_of(results)) {
      if (const MeasuredRun* run = run_at(results, SweepField::kMicroBatch, strategy, size)) {
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
    text += "| " + std::to_string(failure.line) + " | " + cell(failure.point.strategy) + " | " +
            varied_name(failure.point.varied) + " | " +
            (failure.point.varied ? format_field_value(*failure.point.varied, failure.point.value)
                                  : value_text(failure.point.value)) +
            " | " + std::to_string(failure.exit_code) + " | " + cell(failure.error) + " |\n";
  }
  return text + "\n";
}

std::string runs_table(const Results& results) {
  std::string text =
      "| line | strategy | varied | B | T | L | dp·pp·tp | micro-batch × m | median step (ms) | "
      "tokens/s | tokens/s per device | mean utilization | mean bubble | max memory (MiB) | MFU |\n"
      "|---:|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const MeasuredRun& run : results.runs) {
    const Layout& layout = run.layout;
    std::string lines;
    for (const int line : run.lines) lines += (lines.empty() ? "" : ", ") + std::to_string(line);
    if (lines.empty()) lines = std::to_string(run.line);
    const Spread step_ms{1000.0 * run.step_spread.low, 1000.0 * run.step_spread.high};
    const std::string varied =
        !run.point.varied
            ? "-"
            : std::string(varied_name(run.point.varied)) + "=" +
                  format_field_value(*run.point.varied, run.point.value);
    text += "| " + lines + " | " + cell(run.point.strategy) + " | " + varied +
            " | " + std::to_string(run.config.batch_size) + " | " +
            std::to_string(run.config.seq_len) + " | " + std::to_string(run.config.n_layers) +
            " | " + std::to_string(layout.grid.dp) + "·" + std::to_string(layout.grid.pp) + "·" +
            std::to_string(layout.grid.tp) + " | " + std::to_string(layout.micro_batch) + " × " +
            std::to_string(layout.micro_batches(run.config)) + " | " +
            value_with_range(1000.0 * run.step_s.median, step_ms, run.repeats, 3) + " | " +
            value_with_range(run.tokens_per_s, run.tokens_spread, run.repeats, 0) + " | " +
            value_with_range(run.tokens_per_s_per_device, run.per_device_spread, run.repeats, 0) +
            " | " + percent(mean_utilization(run)) + " | " + percent(mean_bubble(run)) + " | " +
            mib(max_memory_bytes(run)) + " | " +
            (!run.mfu ? std::string("-") : percent(*run.mfu, 2)) + " |\n";
  }
  return text + "\n";
}

}  // namespace paratrain::report
