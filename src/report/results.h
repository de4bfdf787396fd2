#pragma once
// The results a sweep leaves behind (JSON lines, DESIGN.md "The run record"),
// read into typed records so that nothing past the reader looks at JSON keys.
#include <cstdint>
#include <string>
#include <vector>

namespace paratrain::report {

// The config field a sweep point varies; `none` for a lone bench record.
// The seed report's figures sweep the first four; the others get figures of
// their own when a sweep varies them.
enum class SweepAxis {
  none, batch_size, seq_len, n_layers, micro_batch,
  vocab_size, d_model, n_heads, ffn_mult, dropout
};
// Every field a sweep may vary, in the report's order.
inline constexpr SweepAxis kSweepAxes[] = {
    SweepAxis::batch_size, SweepAxis::seq_len,  SweepAxis::n_layers, SweepAxis::micro_batch,
    SweepAxis::vocab_size, SweepAxis::d_model,  SweepAxis::n_heads,  SweepAxis::ffn_mult,
    SweepAxis::dropout};

enum class Schedule { none, gpipe, one_f_one_b, interleaved, other };

struct ModelShape {
  int vocab_size = 0;
  int seq_len = 0;
  int d_model = 0;
  int n_heads = 0;
  int n_layers = 0;
  int ffn_mult = 0;
  double dropout = 0.0;
  int batch_size = 0;
  bool operator==(const ModelShape&) const = default;
};

struct LayoutShape {
  int dp = 1;
  int pp = 1;
  int tp = 1;
  int micro_batch = 0;
  int micro_batches = 1;
  int virtual_stages = 1;
  Schedule schedule = Schedule::none;
  int devices() const { return dp * pp * tp; }
};

struct SweepPoint {
  std::string strategy;  // a label for people ("pp2-1f1b"), never parsed
  SweepAxis varied = SweepAxis::none;
  double value = 0.0;
  std::string trace_path;  // resolved against the results file; empty when absent
};

// Peak tracked bytes of one rank, by allocator category.
struct MemoryBytes {
  int64_t parameters = 0;
  int64_t gradients = 0;
  int64_t optimizer = 0;
  int64_t activations = 0;
  int64_t comm = 0;
  int64_t workspace = 0;
  int64_t total = 0;
};

struct RankRecord {
  int rank = 0;
  int dp = 0;
  int pp = 0;
  int tp = 0;
  double utilization = 0.0;
  double bubble = 0.0;
  double exposed_comm = 0.0;
  MemoryBytes peak;
  int64_t peak_rss_bytes = 0;
};

struct RunRecord {
  int line = 0;  // 1-based line in the results file
  SweepPoint sweep;
  ModelShape config;
  LayoutShape layout;
  double step_median_s = 0.0;
  double tokens_per_s = 0.0;
  double tokens_per_s_per_device = 0.0;
  double mfu = -1.0;  // negative: the record carries no MFU
  std::vector<RankRecord> ranks;
  std::string build;  // "blas, mpi, compiler" for the report's header
  // Across namespace hosts (report/host_runs.h); 1 and "unshaped" when local.
  int hosts = 1;
  std::string link_rate = "unshaped";
  std::string placement;  // "packed" or "spread" across hosts; empty when local
};

struct FailedPoint {
  int line = 0;
  SweepPoint sweep;
  int exit_code = 0;
  std::string error;
};

struct Results {
  std::string path;
  std::vector<RunRecord> runs;
  std::vector<FailedPoint> failures;
  // Runs across namespace hosts, kept apart so that the local figures compare
  // like with like; drawn against link rate (report/host_runs.h).
  std::vector<RunRecord> host_runs;
};

const char* axis_field_name(SweepAxis axis);   // "batch_size", ...; "none"
const char* schedule_name(Schedule schedule);  // "gpipe", "1f1b", ...

// Reads a results file; throws UsageError naming the file (and the line) when
// it cannot be opened or a line is not a record.
Results read_results(const std::string& path);

}  // namespace paratrain::report
