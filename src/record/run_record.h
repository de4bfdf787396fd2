#pragma once
// The run record (DESIGN.md "The run record"): what `bench` prints as its last
// line and a sweep stores one per line, as one typed value with one JSON form.
// Bench writes it; sweep, CSV and report read it. The JSON field names are
// the users' interface and never change.
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "comm/process_grid.h"
#include "core/memory.h"
#include "metrics/stats.h"
#include "metrics/timeline.h"
#include "model/config.h"
#include "parallel/layout.h"
#include "record/prediction_record.h"
#include "record/sweep_field.h"

namespace paratrain {

// Peak tracked bytes of one rank, per allocator category and in total.
struct MemoryPeaks {
  std::array<int64_t, kMemoryCategoryCount> by_category{};
  int64_t total = 0;
  int64_t bytes(MemoryCategory category) const { return by_category[static_cast<int>(category)]; }
  static MemoryPeaks of(const MemoryTracker& tracker);
  bool operator==(const MemoryPeaks&) const = default;
};

struct RankRecord {
  int rank = 0;
  GridCoord coord;
  double utilization = 0;
  double bubble = 0;
  double exposed_comm = 0;
  std::array<double, kEventKindCount> seconds{};  // blocked time per event kind
  double wall_seconds = 0;
  MemoryPeaks peak;
  int64_t peak_rss_bytes = 0;
  int64_t weights_run_early = 0;  // measured steps' W's that filled a receive's wait
  bool operator==(const RankRecord&) const = default;
};

struct BuildRecord {
  std::string blas, mpi, cuda, compiler, flags;
  std::string gemm_path{};  // the run's GEMM path and ISA (cli/build_info.h); JSON only when set
  bool operator==(const BuildRecord&) const = default;
};

// Where a sweep ran a point across network-namespace hosts (sweep --hosts):
// top-level "hosts", "link_rate" and "placement" fields of the record.
struct HostLabel {
  int hosts = 1;
  std::string link_rate = "unshaped";  // as given ("100mbit"), or "unshaped"
  std::string placement;               // "packed" or "spread"; empty when local
  bool operator==(const HostLabel&) const = default;
};
void write_host_label(const HostLabel& label, nlohmann::json& record);
// Absent "hosts": empty (a local run).
std::optional<HostLabel> read_host_label(const nlohmann::json& record);

// The block a sweep adds to bench's record: which point it measured.
struct SweepLabel {
  std::string strategy;
  std::optional<SweepField> varied;  // empty: the strategy's base point
  double value = 0;                  // of `varied`
  std::string key, measurement_key;
  std::string trace;        // relative to the results file's folder; empty: none
  std::optional<double> seconds;  // wall time of the point's job; empty for a reused or skipped point
  std::string reused_from;  // the key whose measurement this point reuses; empty: its own
  int repeat = 0;           // 0-based repeat of the point (sweep --repeats); absent in old files: 0
  bool operator==(const SweepLabel&) const = default;
};

struct RunRecord {
  ModelConfig config;
  Layout layout;  // micro_batch and partition as resolved for the run
  BuildRecord build;
  int threads_per_rank = 0;
  int warmup_steps = 0, measured_steps = 0;
  Summary step_s;
  double tokens_per_s = 0;
  double tokens_per_s_per_device = 0;
  double model_flops_per_token = 0;
  double achieved_gflops_per_device = 0;
  double peak_gflops_per_device = 0;
  std::string peak_source;
  std::optional<double> mfu;  // empty: the record carries none
  std::vector<RankRecord> ranks;
  double loss_first = 0, loss_last = 0;
  std::optional<SweepLabel> sweep;  // a sweep's point; empty for a lone bench record
  std::optional<HostLabel> hosts;   // set by a sweep: across hosts or local
  std::optional<PredictionRecord> predicted;  // the planner's, for this layout; empty in older records
  int host_count() const { return hosts ? hosts->hosts : 1; }
  bool operator==(const RunRecord&) const = default;
};

nlohmann::json to_json(const RankRecord& rank);
nlohmann::json to_json(const SweepLabel& label);
// Bench's record, with "status": "ok" and "sweep" when `sweep` is set.
nlohmann::json to_json(const RunRecord& record);

// The readers throw JsonFieldError (core/json_fields.h) naming the first
// missing or mistyped field. Required: config, layout (dp, pp, tp,
// micro_batch), step_s.median, tokens_per_s, tokens_per_s_per_device and a
// non-empty ranks array (rank, coord, utilization, bubble, exposed_comm,
// peak_bytes); every other field takes its default when absent, so records
// from older benches and hand-written ones still load.
RankRecord rank_record_from_json(const nlohmann::json& rank);
SweepLabel sweep_label_from_json(const nlohmann::json& sweep);
RunRecord run_record_from_json(const nlohmann::json& record);

}  // namespace paratrain
