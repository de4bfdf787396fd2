#pragma once
// Small questions asked of the results by every figure and observation:
// which strategies there are, which runs vary an axis, per-run summaries.
#include <cstdint>
#include <string>
#include <vector>

#include "report/results.h"

namespace paratrain::report {

// Strategies in order of first appearance (runs and failures), so colours and
// table rows follow the order the sweep ran them.
std::vector<std::string> strategies_of(const Results& results);
int color_of(const std::vector<std::string>& strategies, const std::string& strategy);

// Successful runs of one strategy that vary `axis`, sorted by the varied value.
std::vector<const MeasuredRun*> runs_varying(const Results& results, SweepField axis,
                                           const std::string& strategy);
// The distinct values any run takes along `axis`, ascending.
std::vector<double> values_along(const Results& results, SweepField axis);
const MeasuredRun* run_at(const Results& results, SweepField axis, const std::string& strategy,
                        double value);

double mean_utilization(const MeasuredRun& run);
double mean_bubble(const MeasuredRun& run);
const paratrain::RankRecord& largest_memory_rank(const MeasuredRun& run);
int64_t max_memory_bytes(const MeasuredRun& run);
bool is_sequential(const MeasuredRun& run);

// One run per strategy at the config most strategies share, so bars compare
// like with like. `config` is that config; `runs` follow strategies_of().
struct ReferencePoint {
  ModelConfig config;
  std::vector<const MeasuredRun*> runs;
};
ReferencePoint reference_point(const Results& results);
std::string describe(const ModelConfig& config);  // "B=8, T=16, L=4, d=32"
// "BLAS .., MPI .., CUDA .., compiler"; "unknown" for a record without a build.
std::string describe(const BuildRecord& build);

}  // namespace paratrain::report
