// Reads the results file line by line. A line that is not a record stops the
// report with the line's number, because a silently dropped point would make
// every figure and observation after it wrong without anyone noticing.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/error.h"
#include "report/host_runs.h"
#include "report/results.h"

namespace paratrain::report {

namespace {

using nlohmann::json;

// A record that lacks a field or holds the wrong type; the caller adds the line.
class FieldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

const json& member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) throw FieldError("lacks " + where + key);
  return object.at(key);
}

double number(const json& object, const char* key, const std::string& where = "") {
  const json& value = member(object, key, where);
  if (!value.is_number()) throw FieldError(where + key + " is not a number");
  return value.get<double>();
}

int integer(const json& object, const char* key, const std::string& where = "") {
  const json& value = member(object, key, where);
  if (!value.is_number_integer()) throw FieldError(where + key + " is not an integer");
  return value.get<int>();
}

std::string text_or(const json& object, const char* key, const std::string& fallback) {
  if (!object.is_object() || !object.contains(key) || !object.at(key).is_string()) return fallback;
  return object.at(key).get<std::string>();
}

SweepAxis axis_from(const json& varied) {
  if (varied.is_null()) return SweepAxis::none;
  if (!varied.is_string()) throw FieldError("sweep.varied is neither a string nor null");
  for (SweepAxis axis : kSweepAxes) {
    if (varied.get<std::string>() == axis_field_name(axis)) return axis;
  }
  throw FieldError("sweep.varied '" + varied.get<std::string>() + "' is not a config field");
}

Schedule schedule_from(const std::string& name) {
  for (Schedule schedule : {Schedule::gpipe, Schedule::one_f_one_b, Schedule::interleaved}) {
    if (name == schedule_name(schedule)) return schedule;
  }
  return name.empty() || name == "none" ? Schedule::none : Schedule::other;
}

ModelShape model_from(const json& config) {
  const std::string where = "config.";
  ModelShape model;
  model.vocab_size = integer(config, "vocab_size", where);
  model.seq_len = integer(config, "seq_len", where);
  model.d_model = integer(config, "d_model", where);
  model.n_heads = integer(config, "n_heads", where);
  model.n_layers = integer(config, "n_layers", where);
  model.ffn_mult = integer(config, "ffn_mult", where);
  model.dropout = number(config, "dropout", where);
  model.batch_size = integer(config, "batch_size", where);
  return model;
}

LayoutShape layout_from(const json& layout) {
  const std::string where = "layout.";
  LayoutShape shape;
  shape.dp = integer(layout, "dp", where);
  shape.pp = integer(layout, "pp", where);
  shape.tp = integer(layout, "tp", where);
  shape.micro_batch = integer(layout, "micro_batch", where);
  shape.micro_batches =
      layout.contains("micro_batches") ? integer(layout, "micro_batches", where) : 1;
  shape.virtual_stages =
      layout.contains("virtual_stages") ? integer(layout, "virtual_stages", where) : 1;
  shape.schedule = schedule_from(text_or(layout, "schedule", ""));
  return shape;
}

// The name a sweep would give; used for a bench record without "sweep".
std::string strategy_name(const LayoutShape& layout) {
  std::string name;
  auto add = [&name](const char* axis, int size) {
    if (size > 1) name += (name.empty() ? "" : "x") + std::string(axis) + std::to_string(size);
  };
  add("dp", layout.dp);
  add("pp", layout.pp);
  add("tp", layout.tp);
  if (name.empty()) return "seq";
  if (layout.pp > 1) name += std::string("-") + schedule_name(layout.schedule);
  return name;
}

std::string resolve_trace(const std::string& trace, const std::string& results_path) {
  namespace fs = std::filesystem;
  if (trace.empty() || fs::path(trace).is_absolute() || fs::exists(trace)) return trace;
  const fs::path beside = fs::path(results_path).parent_path() / trace;
  return fs::exists(beside) ? beside.string() : trace;
}

SweepPoint sweep_from(const json& record, const LayoutShape& layout, const std::string& path) {
  SweepPoint point;
  point.strategy = strategy_name(layout);
  if (!record.contains("sweep")) return point;
  const json& sweep = record.at("sweep");
  if (!sweep.is_object()) throw FieldError("sweep is not an object");
  point.strategy = text_or(sweep, "strategy", point.strategy);
  point.varied = axis_from(sweep.contains("varied") ? sweep.at("varied") : json());
  if (point.varied != SweepAxis::none) point.value = number(sweep, "value", "sweep.");
  point.trace_path = resolve_trace(text_or(sweep, "trace", ""), path);
  return point;
}

MemoryBytes memory_from(const json& peak) {
  const std::string where = "ranks[].peak_bytes.";
  auto bytes = [&](const char* key) { return static_cast<int64_t>(number(peak, key, where)); };
  return {bytes("parameters"), bytes("gradients"), bytes("optimizer"), bytes("activations"),
          bytes("comm"),       bytes("workspace"), bytes("total")};
}

RankRecord rank_from(const json& rank) {
  const std::string where = "ranks[].";
  RankRecord record;
  record.rank = integer(rank, "rank", where);
  const json& coord = member(rank, "coord", where);
  record.dp = integer(coord, "dp", "ranks[].coord.");
  record.pp = integer(coord, "pp", "ranks[].coord.");
  record.tp = integer(coord, "tp", "ranks[].coord.");
  record.utilization = number(rank, "utilization", where);
  record.bubble = number(rank, "bubble", where);
  record.exposed_comm = number(rank, "exposed_comm", where);
  record.peak = memory_from(member(rank, "peak_bytes", where));
  record.peak_rss_bytes = rank.contains("peak_rss_bytes")
                              ? static_cast<int64_t>(number(rank, "peak_rss_bytes", where))
                              : 0;
  return record;
}

std::string build_from(const json& record) {
  if (!record.contains("build") || !record.at("build").is_object()) return "";
  const json& build = record.at("build");
  return "BLAS " + text_or(build, "blas", "?") + ", MPI " + text_or(build, "mpi", "?") + ", CUDA " +
         text_or(build, "cuda", "?") + ", " + text_or(build, "compiler", "?");
}

RunRecord run_from(const json& record, const std::string& path) {
  RunRecord run;
  run.config = model_from(member(record, "config", ""));
  run.layout = layout_from(member(record, "layout", ""));
  run.sweep = sweep_from(record, run.layout, path);
  run.step_median_s = number(member(record, "step_s", ""), "median", "step_s.");
  run.tokens_per_s = number(record, "tokens_per_s");
  run.tokens_per_s_per_device = number(record, "tokens_per_s_per_device");
  if (record.contains("mfu") && record.at("mfu").is_number())
    run.mfu = record.at("mfu").get<double>();
  const json& ranks = member(record, "ranks", "");
  if (!ranks.is_array() || ranks.empty()) throw FieldError("ranks is not a non-empty array");
  for (const json& rank : ranks) run.ranks.push_back(rank_from(rank));
  run.build = build_from(record);
  return run;
}

FailedPoint failure_from(const json& record, const std::string& path) {
  FailedPoint failure;
  LayoutShape layout;
  if (record.contains("layout")) {
    try {
      layout = layout_from(record.at("layout"));
    } catch (const FieldError&) {
      // A point can fail before its layout is complete; the sweep label still names it.
    }
  }
  failure.sweep = sweep_from(record, layout, path);
  failure.exit_code = record.contains("exit_code") ? integer(record, "exit_code") : -1;
  failure.error = text_or(record, "error", "(no error message)");
  return failure;
}

}  // namespace

const char* axis_field_name(SweepAxis axis) {
  switch (axis) {
    case SweepAxis::batch_size:
      return "batch_size";
    case SweepAxis::seq_len:
      return "seq_len";
    case SweepAxis::n_layers:
      return "n_layers";
    case SweepAxis::micro_batch:
      return "micro_batch";
    case SweepAxis::vocab_size:
      return "vocab_size";
    case SweepAxis::d_model:
      return "d_model";
    case SweepAxis::n_heads:
      return "n_heads";
    case SweepAxis::ffn_mult:
      return "ffn_mult";
    case SweepAxis::dropout:
      return "dropout";
    case SweepAxis::none:
      break;
  }
  return "none";
}

const char* schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::gpipe:
      return "gpipe";
    case Schedule::one_f_one_b:
      return "1f1b";
    case Schedule::interleaved:
      return "interleaved";
    case Schedule::other:
      return "other";
    case Schedule::none:
      break;
  }
  return "none";
}

Results read_results(const std::string& path) {
  std::ifstream in(path);
  if (std::filesystem::is_directory(path) || !in) {
    throw UsageError("cannot read results file '" + path + "'");
  }
  Results results;
  results.path = path;
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_number) + ": ";
    json record;
    try {
      record = json::parse(line);
    } catch (const json::parse_error&) {
      throw UsageError(where + "not a JSON object (malformed line)");
    }
    if (!record.is_object()) throw UsageError(where + "not a JSON object (malformed line)");
    try {
      if (text_or(record, "status", "ok") == "failed") {
        results.failures.push_back(failure_from(record, path));
        results.failures.back().line = line_number;
      } else {
        RunRecord run = run_from(record, path);
        run.line = line_number;
        read_host_fields(record, run);
        (run.hosts > 1 ? results.host_runs : results.runs).push_back(std::move(run));
      }
    } catch (const FieldError& error) {
      throw UsageError(where + "malformed record: " + error.what());
    }
  }
  if (results.runs.empty() && results.failures.empty() && results.host_runs.empty()) {
    throw UsageError("results file '" + path + "' holds no records");
  }
  return results;
}

}  // namespace paratrain::report
