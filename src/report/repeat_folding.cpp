// Folds a point's repeated records into one run of medians and spreads.
#include <algorithm>
#include <map>

#include "report/results.h"

namespace paratrain::report {

namespace {

// The point's identity: the sweep key without "|repeat=N"; empty for a lone record.
std::string point_key(const MeasuredRun& run) {
  if (!run.sweep || run.sweep->key.empty()) return "";
  const std::string& key = run.sweep->key;
  return key.substr(0, key.find("|repeat="));
}

template <typename Field>
std::vector<double> values_of(const std::vector<const MeasuredRun*>& repeats, Field field) {
  std::vector<double> values;
  for (const MeasuredRun* run : repeats) values.push_back(field(*run));
  return values;
}

Spread spread_of(const std::vector<double>& values) {
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return {*low, *high};
}

// Per rank: the median of each timing share over the repeats (ranks agree in number and order).
void fold_ranks(const std::vector<const MeasuredRun*>& repeats, MeasuredRun& folded) {
  for (size_t index = 0; index < folded.ranks.size(); ++index) {
    auto rank_median = [&](double RankRecord::*field) {
      std::vector<double> values;
      for (const MeasuredRun* run : repeats) {
        if (index < run->ranks.size()) values.push_back(run->ranks[index].*field);
      }
      return median_of(values);
    };
    folded.ranks[index].utilization = rank_median(&RankRecord::utilization);
    folded.ranks[index].bubble = rank_median(&RankRecord::bubble);
    folded.ranks[index].exposed_comm = rank_median(&RankRecord::exposed_comm);
  }
}

MeasuredRun fold(const std::vector<const MeasuredRun*>& repeats) {
  const std::vector<double> tokens = values_of(repeats, [](const MeasuredRun& run) { return run.tokens_per_s; });
  // The median repeat by tokens/s (the lower middle one for an even count) lends memory and the rest.
  std::vector<size_t> order(repeats.size());
  for (size_t index = 0; index < order.size(); ++index) order[index] = index;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tokens[a] < tokens[b]; });
  MeasuredRun folded = *repeats[order[(order.size() - 1) / 2]];
  folded.line = repeats.front()->line;
  folded.lines.clear();
  for (const MeasuredRun* run : repeats) folded.lines.push_back(run->line);
  folded.point.trace_path = repeats.front()->point.trace_path;
  folded.repeats = static_cast<int>(repeats.size());
  folded.repeat_tokens = tokens;
  const auto per_device = values_of(repeats, [](const MeasuredRun& run) { return run.tokens_per_s_per_device; });
  const auto step = values_of(repeats, [](const MeasuredRun& run) { return run.step_s.median; });
  folded.tokens_per_s = median_of(tokens);
  folded.tokens_per_s_per_device = median_of(per_device);
  folded.step_s.median = median_of(step);
  folded.tokens_spread = spread_of(tokens);
  folded.per_device_spread = spread_of(per_device);
  folded.step_spread = spread_of(step);
  folded.achieved_gflops_per_device =
      median_of(values_of(repeats, [](const MeasuredRun& run) { return run.achieved_gflops_per_device; }));
  if (folded.mfu) {
    folded.mfu = median_of(values_of(repeats, [](const MeasuredRun& run) { return run.mfu.value_or(0.0); }));
  }
  fold_ranks(repeats, folded);
  return folded;
}

}  // namespace

double median_of(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

std::vector<MeasuredRun> fold_repeats(std::vector<MeasuredRun> records) {
  std::vector<std::vector<const MeasuredRun*>> groups;
  std::map<std::string, size_t> group_of_key;
  for (const MeasuredRun& record : records) {
    const std::string key = point_key(record);
    if (key.empty()) {
      groups.push_back({&record});
      continue;
    }
    const auto [found, added] = group_of_key.emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[found->second].push_back(&record);
  }
  std::vector<MeasuredRun> folded;
  folded.reserve(groups.size());
  for (const auto& group : groups) folded.push_back(fold(group));
  return folded;
}

}  // namespace paratrain::report
