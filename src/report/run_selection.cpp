#include "report/run_selection.h"

#include <algorithm>
#include <set>

namespace paratrain::report {

std::vector<std::string> strategies_of(const Results& results) {
  std::vector<std::string> names;
  auto add = [&names](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const RunRecord& run : results.runs) add(run.sweep.strategy);
  for (const FailedPoint& failure : results.failures) add(failure.sweep.strategy);
  return names;
}

int color_of(const std::vector<std::string>& strategies, const std::string& strategy) {
  auto it = std::find(strategies.begin(), strategies.end(), strategy);
  return static_cast<int>(it - strategies.begin());
}

std::vector<const RunRecord*> runs_varying(const Results& results, SweepAxis axis,
                                           const std::string& strategy) {
  std::vector<const RunRecord*> runs;
  for (const RunRecord& run : results.runs) {
    if (run.sweep.varied == axis && run.sweep.strategy == strategy) runs.push_back(&run);
  }
  std::stable_sort(runs.begin(), runs.end(), [](const RunRecord* a, const RunRecord* b) {
    return a->sweep.value < b->sweep.value;
  });
  return runs;
}

std::vector<double> values_along(const Results& results, SweepAxis axis) {
  std::set<double> values;
  for (const RunRecord& run : results.runs) {
    if (run.sweep.varied == axis) values.insert(run.sweep.value);
  }
  return {values.begin(), values.end()};
}

const RunRecord* run_at(const Results& results, SweepAxis axis, const std::string& strategy,
                        double value) {
  for (const RunRecord* run : runs_varying(results, axis, strategy)) {
    if (run->sweep.value == value) return run;
  }
  return nullptr;
}

double mean_utilization(const RunRecord& run) {
  double sum = 0.0;
  for (const RankRecord& rank : run.ranks) sum += rank.utilization;
  return sum / static_cast<double>(run.ranks.size());
}

double mean_bubble(const RunRecord& run) {
  double sum = 0.0;
  for (const RankRecord& rank : run.ranks) sum += rank.bubble;
  return sum / static_cast<double>(run.ranks.size());
}

const RankRecord& largest_memory_rank(const RunRecord& run) {
  return *std::max_element(
      run.ranks.begin(), run.ranks.end(),
      [](const RankRecord& a, const RankRecord& b) { return a.peak.total < b.peak.total; });
}

int64_t max_memory_bytes(const RunRecord& run) { return largest_memory_rank(run).peak.total; }

bool is_sequential(const RunRecord& run) { return run.layout.devices() == 1; }

ReferencePoint reference_point(const Results& results) {
  const std::vector<std::string> strategies = strategies_of(results);
  ReferencePoint best;
  // Most strategies first; among those, the config most runs share (the
  // sweeps' common centre rather than an end of one axis).
  std::pair<size_t, size_t> best_count = {0, 0};
  for (const RunRecord& candidate : results.runs) {
    std::set<std::string> covered;
    size_t runs = 0;
    for (const RunRecord& run : results.runs) {
      if (!(run.config == candidate.config)) continue;
      covered.insert(run.sweep.strategy);
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
    const RunRecord* chosen = nullptr;
    for (const RunRecord& run : results.runs) {
      if (run.sweep.strategy != strategy || !(run.config == best.config)) continue;
      if (chosen == nullptr || (chosen->sweep.varied == SweepAxis::micro_batch &&
                                run.sweep.varied != SweepAxis::micro_batch)) {
        chosen = &run;
      }
    }
    if (chosen != nullptr) best.runs.push_back(chosen);
  }
  return best;
}

std::string describe(const ModelShape& config) {
  return "B=" + std::to_string(config.batch_size) + ", T=" + std::to_string(config.seq_len) +
         ", L=" + std::to_string(config.n_layers) + ", d_model=" + std::to_string(config.d_model) +
         ", heads=" + std::to_string(config.n_heads) +
         ", vocab=" + std::to_string(config.vocab_size);
}

}  // namespace paratrain::report
