#include "report/run_selection.h"

#include <algorithm>
#include <set>

namespace paratrain::report {

std::vector<std::string> strategies_of(const Results& results) {
  std::vector<std::string> names;
  auto add = [&names](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const MeasuredRun& run : results.runs) add(run.point.strategy);
  for (const FailedPoint& failure : results.failures) add(failure.point.strategy);
  return names;
}

int color_of(const std::vector<std::string>& strategies, const std::string& strategy) {
  auto it = std::find(strategies.begin(), strategies.end(), strategy);
  return static_cast<int>(it - strategies.begin());
}

std::vector<const MeasuredRun*> runs_varying(const Results& results, SweepField axis,
                                           const std::string& strategy) {
  std::vector<const MeasuredRun*> runs;
  for (const MeasuredRun& run : results.runs) {
    if (run.point.varied == axis && run.point.strategy == strategy) runs.push_back(&run);
  }
  std::stable_sort(runs.begin(), runs.end(), [](const MeasuredRun* a, const MeasuredRun* b) {
    return a->point.value < b->point.value;
  });
  return runs;
}

std::vector<double> values_along(const Results& results, SweepField axis) {
  std::set<double> values;
  for (const MeasuredRun& run : results.runs) {
    if (run.point.varied == axis) values.insert(run.point.value);
  }
  return {values.begin(), values.end()};
}

const MeasuredRun* run_at(const Results& results, SweepField axis, const std::string& strategy,
                        double value) {
  for (const MeasuredRun* run : runs_varying(results, axis, strategy)) {
    if (run->point.value == value) return run;
  }
  return nullptr;
}

double mean_utilization(const MeasuredRun& run) {
  double sum = 0.0;
  for (const paratrain::RankRecord& rank : run.ranks) sum += rank.utilization;
  return sum / static_cast<double>(run.ranks.size());
}

double mean_bubble(const MeasuredRun& run) {
  double sum = 0.0;
  for (const paratrain::RankRecord& rank : run.ranks) sum += rank.bubble;
  return sum / static_cast<double>(run.ranks.size());
}

const paratrain::RankRecord& largest_memory_rank(const MeasuredRun& run) {
  return *std::max_element(
      run.ranks.begin(), run.ranks.end(),
      [](const paratrain::RankRecord& a, const paratrain::RankRecord& b) { return a.peak.total < b.peak.total; });
}

int64_t max_memory_bytes(const MeasuredRun& run) { return largest_memory_rank(run).peak.total; }

bool is_sequential(const MeasuredRun& run) { return run.layout.grid.world() == 1; }

ReferencePoint reference_point(const Results& results) {
  const std::vector<std::string> strategies = strategies_of(results);
  ReferencePoint best;
  // Most strategies first; among those, the config most runs share (the
  // sweeps' common centre rather than an end of one axis).
  std::pair<size_t, size_t> best_count = {0, 0};
  for (const MeasuredRun& candidate : results.runs) {
    std::set<std::string> covered;
    size_t runs = 0;
    for (const MeasuredRun& run : results.runs) {
      if (!(run.config == candidate.config)) continue;
      covered.insert(run.point.strategy);
      ++runs;
    }
    if (std::pair{covered.size(), runs} > best_count) {
      best_count = {covered.size(), runs};
      best.config = candidate.config;
    }
  }
  // A micro-batch sweep repeats the config; prefer the point another axis made,
  // which runs the strategy's default micro-batch.
  for (const std::string& strategy : strategies) {
    const MeasuredRun* chosen = nullptr;
    for (const MeasuredRun& run : results.runs) {
      if (run.point.strategy != strategy || !(run.config == best.config)) continue;
      if (chosen == nullptr || (chosen->point.varied == SweepField::kMicroBatch &&
                                run.point.varied != SweepField::kMicroBatch)) {
        chosen = &run;
      }
    }
    if (chosen != nullptr) best.runs.push_back(chosen);
  }
  return best;
}

std::string describe(const ModelConfig& config) {
  return "B=" + std::to_string(config.batch_size) + ", T=" + std::to_string(config.seq_len) +
         ", L=" + std::to_string(config.n_layers) + ", d_model=" + std::to_string(config.d_model) +
         ", heads=" + std::to_string(config.n_heads) +
         ", vocab=" + std::to_string(config.vocab_size);
}

std::string describe(const BuildRecord& build) {
  if (build == BuildRecord{}) return "unknown";
  auto known = [](const std::string& text) { return text.empty() ? std::string("?") : text; };
  return "BLAS " + known(build.blas) + ", MPI " + known(build.mpi) + ", CUDA " + known(build.cuda) +
         ", " + known(build.compiler);
}

}  // namespace paratrain::report
