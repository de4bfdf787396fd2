#include "record/run_record.h"

#include "core/error.h"
#include "core/json_fields.h"
#include "metrics/event_kind_names.h"

namespace paratrain {

namespace {

using nlohmann::json;

json memory_json(const MemoryPeaks& peak) {
  json out;
  for (int category = 0; category < kMemoryCategoryCount; ++category) {
    out[memory_category_name(static_cast<MemoryCategory>(category))] = peak.by_category[category];
  }
  out["total"] = peak.total;
  return out;
}

MemoryPeaks memory_from(const json& peak) {
  MemoryPeaks out;
  for (int category = 0; category < kMemoryCategoryCount; ++category) {
    out.by_category[category] = json_int64(peak, memory_category_name(static_cast<MemoryCategory>(category)));
  }
  out.total = json_int64(peak, "total");
  return out;
}

json layout_json(const RunRecord& record) {
  json layout = json::parse(record.layout.to_json());
  layout["micro_batches"] = record.layout.micro_batches(record.config);
  return layout;
}

BuildRecord build_from(const json& build) {
  return {json_text_or(build, "blas", ""), json_text_or(build, "mpi", ""),
          json_text_or(build, "cuda", ""), json_text_or(build, "compiler", ""),
          json_text_or(build, "flags", ""), json_text_or(build, "gemm_path", "")};
}

std::optional<SweepField> varied_from(const json& sweep) {
  if (!json_has(sweep, "varied")) return std::nullopt;
  const std::string name = json_text(sweep, "varied");
  try {
    return parse_sweep_field(name);
  } catch (const UsageError&) {
    throw JsonFieldError("varied", "'" + name + "' is not a field a sweep varies");
  }
}

void read_seconds(const json& seconds, RankRecord& rank) {
  if (!seconds.is_object()) throw JsonFieldError("seconds", "is not an object");
  for (const auto& [name, value] : seconds.items()) {
    if (!value.is_number()) throw JsonFieldError("seconds." + name, "is not a number");
    if (name == "wall") {
      rank.wall_seconds = value.get<double>();
    } else if (const auto kind = parse_event_kind(name)) {
      rank.seconds[static_cast<int>(*kind)] = value.get<double>();
    } else {
      throw JsonFieldError("seconds." + name, "is not an event kind");
    }
  }
}

}  // namespace

MemoryPeaks MemoryPeaks::of(const MemoryTracker& tracker) {
  MemoryPeaks peak;
  for (int category = 0; category < kMemoryCategoryCount; ++category) {
    peak.by_category[category] = static_cast<int64_t>(tracker.peak_bytes(static_cast<MemoryCategory>(category)));
  }
  peak.total = static_cast<int64_t>(tracker.peak_total());
  return peak;
}

json to_json(const RankRecord& rank) {
  json seconds;
  for (int kind = 0; kind < kEventKindCount; ++kind) {
    seconds[event_kind_name(static_cast<EventKind>(kind))] = rank.seconds[kind];
  }
  seconds["wall"] = rank.wall_seconds;
  return {{"rank", rank.rank},
          {"coord", {{"dp", rank.coord.dp}, {"pp", rank.coord.pp}, {"tp", rank.coord.tp}}},
          {"utilization", rank.utilization},
          {"bubble", rank.bubble},
          {"exposed_comm", rank.exposed_comm},
          {"seconds", seconds},
          {"peak_bytes", memory_json(rank.peak)},
          {"peak_rss_bytes", rank.peak_rss_bytes},
          {"weights_run_early", rank.weights_run_early}};
}

RankRecord rank_record_from_json(const json& json_rank) {
  RankRecord rank;
  rank.rank = json_int(json_rank, "rank");
  const json& coord = json_object(json_rank, "coord");
  rank.coord = read_within("coord", [&] {
    return GridCoord{json_int(coord, "dp"), json_int(coord, "pp"), json_int(coord, "tp")};
  });
  rank.utilization = json_number(json_rank, "utilization");
  rank.bubble = json_number(json_rank, "bubble");
  rank.exposed_comm = json_number(json_rank, "exposed_comm");
  if (json_has(json_rank, "seconds")) read_seconds(json_rank.at("seconds"), rank);
  rank.peak = read_within("peak_bytes", [&] { return memory_from(json_object(json_rank, "peak_bytes")); });
  rank.peak_rss_bytes = json_int64_or(json_rank, "peak_rss_bytes", 0);
  rank.weights_run_early = json_int64_or(json_rank, "weights_run_early", 0);
  return rank;
}

json to_json(const SweepLabel& label) {
  json out = {{"strategy", label.strategy},
              {"varied", label.varied ? json(sweep_field_name(*label.varied)) : json(nullptr)},
              {"value", label.varied ? field_value_json(*label.varied, label.value) : json(nullptr)},
              {"trace", label.trace.empty() ? json(nullptr) : json(label.trace)}};
  if (!label.key.empty()) out["key"] = label.key;
  if (!label.measurement_key.empty()) out["measurement_key"] = label.measurement_key;
  if (label.seconds) out["seconds"] = *label.seconds;
  if (!label.reused_from.empty()) out["reused_from"] = label.reused_from;
  out["repeat"] = label.repeat;
  return out;
}

SweepLabel sweep_label_from_json(const json& sweep) {
  if (!sweep.is_object()) throw JsonFieldError("sweep", "is not an object");
  SweepLabel label;
  label.strategy = json_text_or(sweep, "strategy", "");
  label.varied = read_within("sweep", [&] { return varied_from(sweep); });
  if (label.varied) label.value = read_within("sweep", [&] { return json_number(sweep, "value"); });
  label.key = json_text_or(sweep, "key", "");
  label.measurement_key = json_text_or(sweep, "measurement_key", "");
  label.trace = json_text_or(sweep, "trace", "");
  if (json_has(sweep, "seconds")) label.seconds = json_number(sweep, "seconds");
  label.reused_from = json_text_or(sweep, "reused_from", "");
  label.repeat = json_int_or(sweep, "repeat", 0);
  if (label.repeat < 0) throw JsonFieldError("sweep.repeat", "is negative");
  return label;
}

json to_json(const RunRecord& record) {
  const BuildRecord& build = record.build;
  json ranks = json::array();
  for (const RankRecord& rank : record.ranks) ranks.push_back(to_json(rank));
  json out = {
      {"config", json::parse(record.config.to_json())},
      {"layout", layout_json(record)},
      {"build", {{"blas", build.blas}, {"mpi", build.mpi}, {"cuda", build.cuda},
                 {"compiler", build.compiler}, {"flags", build.flags}}},
      {"threads_per_rank", record.threads_per_rank},
      {"steps", {{"warmup", record.warmup_steps}, {"measured", record.measured_steps}}},
      {"step_s", {{"median", record.step_s.median}, {"min", record.step_s.min}, {"max", record.step_s.max}}},
      {"tokens_per_s", record.tokens_per_s},
      {"tokens_per_s_per_device", record.tokens_per_s_per_device},
      {"model_flops_per_token", record.model_flops_per_token},
      {"achieved_gflops_per_device", record.achieved_gflops_per_device},
      {"peak_gflops_per_device", record.peak_gflops_per_device},
      {"peak_source", record.peak_source},
      {"ranks", ranks},
      {"loss", {{"first", record.loss_first}, {"last", record.loss_last}}}};
  if (record.mfu) out["mfu"] = *record.mfu;
  if (!build.gemm_path.empty()) out["build"]["gemm_path"] = build.gemm_path;
  if (record.sweep) {
    out["status"] = "ok";
    out["sweep"] = to_json(*record.sweep);
  }
  if (record.hosts) write_host_label(*record.hosts, out);
  if (record.predicted) out["predicted"] = to_json(*record.predicted);
  return out;
}

void write_host_label(const HostLabel& label, json& record) {
  record["hosts"] = label.hosts;
  record["link_rate"] = label.link_rate;
  if (!label.placement.empty()) record["placement"] = label.placement;
}

std::optional<HostLabel> read_host_label(const json& record) {
  if (!json_has(record, "hosts")) return std::nullopt;
  HostLabel label;
  label.hosts = json_int(record, "hosts");
  if (label.hosts < 1) throw JsonFieldError("hosts", "must be at least 1");
  label.link_rate = json_text_or(record, "link_rate", "unshaped");
  label.placement = json_text_or(record, "placement", "");
  return label;
}

RunRecord run_record_from_json(const json& json_record) {
  if (!json_record.is_object()) throw JsonFieldError("record", "is not an object");
  RunRecord record;
  record.config = read_within("config", [&] { return ModelConfig::from_json(json_object(json_record, "config")); });
  record.layout = read_within("layout", [&] { return Layout::from_json(json_object(json_record, "layout")); });
  if (json_has(json_record, "build")) {
    record.build = read_within("build", [&] { return build_from(json_object(json_record, "build")); });
  }
  record.threads_per_rank = json_int_or(json_record, "threads_per_rank", 0);
  if (json_has(json_record, "steps")) {
    const json& steps = json_object(json_record, "steps");
    record.warmup_steps = read_within("steps", [&] { return json_int_or(steps, "warmup", 0); });
    record.measured_steps = read_within("steps", [&] { return json_int_or(steps, "measured", 0); });
  }
  const json& step_s = json_object(json_record, "step_s");
  record.step_s = read_within("step_s", [&] {
    return Summary{json_number(step_s, "median"), json_number_or(step_s, "min", 0),
                   json_number_or(step_s, "max", 0)};
  });
  record.tokens_per_s = json_number(json_record, "tokens_per_s");
  record.tokens_per_s_per_device = json_number(json_record, "tokens_per_s_per_device");
  record.model_flops_per_token = json_number_or(json_record, "model_flops_per_token", 0);
  record.achieved_gflops_per_device = json_number_or(json_record, "achieved_gflops_per_device", 0);
  record.peak_gflops_per_device = json_number_or(json_record, "peak_gflops_per_device", 0);
  record.peak_source = json_text_or(json_record, "peak_source", "");
  if (json_has(json_record, "mfu")) record.mfu = json_number(json_record, "mfu");
  const json& ranks = json_member(json_record, "ranks");
  if (!ranks.is_array() || ranks.empty()) throw JsonFieldError("ranks", "is not a non-empty array");
  for (const json& rank : ranks) {
    record.ranks.push_back(read_within("ranks[]", [&] { return rank_record_from_json(rank); }));
  }
  if (json_has(json_record, "loss")) {
    const json& loss = json_object(json_record, "loss");
    record.loss_first = read_within("loss", [&] { return json_number_or(loss, "first", 0); });
    record.loss_last = read_within("loss", [&] { return json_number_or(loss, "last", 0); });
  }
  if (json_has(json_record, "sweep")) record.sweep = sweep_label_from_json(json_record.at("sweep"));
  record.hosts = read_host_label(json_record);
  if (json_has(json_record, "predicted")) {
    record.predicted = read_within("predicted", [&] {
      return prediction_record_from_json(json_object(json_record, "predicted"));
    });
  }
  return record;
}

}  // namespace paratrain
