#include "sweep/strategy.h"

#include <regex>

#include "core/error.h"
#include "record/strategy_name.h"

namespace paratrain {

namespace {

// The canonical name (record/strategy_name.h), from the layout the strategy sets.
std::string name_of(const Strategy& strategy) {
  Layout layout;
  layout.grid = strategy.grid;
  layout.schedule = strategy.schedule;
  layout.virtual_stages = strategy.virtual_stages;
  layout.sequence_parallel = strategy.sequence_parallel;
  layout.zero = zero_stage_from_number(strategy.zero);
  return strategy_name(layout);
}

Strategy make_strategy(int dp, int pp, ScheduleKind schedule, int virtual_stages, int tp = 1) {
  Strategy strategy;
  strategy.grid = {dp, pp, tp};
  strategy.schedule = schedule;
  strategy.virtual_stages = virtual_stages;
  strategy.name = name_of(strategy);
  return strategy;
}

[[noreturn]] void refuse(const std::string& name) {
  throw UsageError("unknown strategy '" + name +
                   "' (expected seq or parts joined by x in the order dpN[-zero1], tpN[-sp], "
                   "ppN-gpipe|1f1b|interleaved-vK, e.g. dp2xpp2-1f1b, tp2-sp, dp2xtp2)");
}

// One part of a name into the strategy; false if it is not a known part.
bool parse_part(const std::string& part, Strategy& strategy) {
  static const std::regex dp(R"(^dp([1-9][0-9]*)(-zero1)?$)");
  static const std::regex tp(R"(^tp([1-9][0-9]*)(-sp)?$)");
  static const std::regex pp(R"(^pp([1-9][0-9]*)-(gpipe|1f1b|interleaved|zb-h1|zb-h2)(?:-v([1-9][0-9]*))?$)");
  std::smatch match;
  if (std::regex_match(part, match, dp)) {
    strategy.grid.dp = std::stoi(match[1]);
    strategy.zero = match[2].matched ? 1 : 0;
  } else if (std::regex_match(part, match, tp)) {
    strategy.grid.tp = std::stoi(match[1]);
    strategy.sequence_parallel = match[2].matched;
  } else if (std::regex_match(part, match, pp)) {
    strategy.grid.pp = std::stoi(match[1]);
    strategy.schedule = parse_schedule_kind(match[2]);
    const bool interleaved = strategy.schedule == ScheduleKind::kInterleaved;
    if (interleaved != match[3].matched) return false;  // -vK exactly with interleaved
    strategy.virtual_stages = interleaved ? std::stoi(match[3]) : 1;
  } else {
    return false;
  }
  return true;
}

}  // namespace

Strategy parse_strategy(const std::string& name) {
  Strategy strategy;
  if (name != "seq") {
    size_t begin = 0;
    while (begin <= name.size()) {
      const size_t end = std::min(name.find('x', begin), name.size());
      if (!parse_part(name.substr(begin, end - begin), strategy)) refuse(name);
      begin = end + 1;
    }
  }
  strategy.name = name_of(strategy);
  // One spelling per strategy, so point keys stay canonical ("dp1" is "seq").
  if (strategy.name != name) {
    throw UsageError("strategy '" + name + "' is spelled '" + strategy.name + "'");
  }
  return strategy;
}

std::vector<Strategy> default_strategies(int ranks, int n_layers, int n_heads) {
  const auto one_f_one_b = ScheduleKind::kOneFOneB;
  std::vector<Strategy> strategies{make_strategy(1, 1, one_f_one_b, 1)};
  if (ranks == 1) return strategies;
  const bool tp_fits = n_heads == 0 || n_heads % ranks == 0;
  strategies.push_back(make_strategy(ranks, 1, one_f_one_b, 1));
  strategies.push_back(parse_strategy("dp" + std::to_string(ranks) + "-zero1"));
  if (tp_fits) {
    strategies.push_back(make_strategy(1, 1, one_f_one_b, 1, ranks));
    strategies.push_back(parse_strategy("tp" + std::to_string(ranks) + "-sp"));
  }
  strategies.push_back(make_strategy(1, ranks, ScheduleKind::kGPipe, 1));
  strategies.push_back(make_strategy(1, ranks, one_f_one_b, 1));
  if (2 * ranks <= n_layers) strategies.push_back(make_strategy(1, ranks, ScheduleKind::kInterleaved, 2));
  for (int first = 2; first < ranks; ++first) {
    if (ranks % first != 0 || ranks / first < 2) continue;
    const int second = ranks / first;
    strategies.push_back(make_strategy(first, second, one_f_one_b, 1));             // dp x pp
    if (n_heads == 0 || n_heads % second == 0) {
      strategies.push_back(make_strategy(first, 1, one_f_one_b, 1, second));        // dp x tp
      strategies.push_back(make_strategy(1, second, one_f_one_b, 1, first));        // tp x pp
    }
  }
  for (int dp = 2; dp * 4 <= ranks; ++dp) {  // three axes, each > 1
    for (int tp = 2; dp * tp * 2 <= ranks; ++tp) {
      if (ranks % (dp * tp) == 0 && (n_heads == 0 || n_heads % tp == 0)) {
        strategies.push_back(make_strategy(dp, ranks / (dp * tp), one_f_one_b, 1, tp));
      }
    }
  }
  return strategies;
}

}  // namespace paratrain
