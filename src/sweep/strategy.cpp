#include "sweep/strategy.h"

#include <regex>

#include "core/error.h"

namespace paratrain {

namespace {

Strategy make_strategy(int dp, int pp, ScheduleKind schedule, int virtual_stages) {
  Strategy strategy;
  strategy.grid.dp = dp;
  strategy.grid.pp = pp;
  strategy.schedule = schedule;
  strategy.virtual_stages = virtual_stages;
  if (dp == 1 && pp == 1) {
    strategy.name = "seq";
  } else if (pp == 1) {
    strategy.name = "dp" + std::to_string(dp);
  } else {
    strategy.name = (dp > 1 ? "dp" + std::to_string(dp) + "x" : std::string()) + "pp" +
                    std::to_string(pp) + "-" + schedule_kind_name(schedule);
    if (schedule == ScheduleKind::kInterleaved) strategy.name += "-v" + std::to_string(virtual_stages);
  }
  return strategy;
}

[[noreturn]] void refuse(const std::string& name) {
  throw UsageError("unknown strategy '" + name +
                   "' (expected seq, dpN, ppN-gpipe, ppN-1f1b, ppN-interleaved-vK or "
                   "dpAxppB-<schedule>, e.g. dp2xpp2-1f1b)");
}

}  // namespace

Strategy parse_strategy(const std::string& name) {
  if (name == "seq") return make_strategy(1, 1, ScheduleKind::kOneFOneB, 1);
  // dpN | [dpAx]ppB-gpipe | [dpAx]ppB-1f1b | [dpAx]ppB-interleaved-vK
  static const std::regex pattern(R"(^(?:dp([1-9][0-9]*))?(?:(x)?pp([1-9][0-9]*)-(gpipe|1f1b|interleaved)(?:-v([1-9][0-9]*))?)?$)");
  std::smatch match;
  if (!std::regex_match(name, match, pattern)) refuse(name);
  const bool has_dp = match[1].matched, has_pp = match[3].matched;
  if (!has_dp && !has_pp) refuse(name);
  if (has_dp && has_pp && !match[2].matched) refuse(name);  // "dp2pp2-1f1b"
  if (!has_dp && match[2].matched) refuse(name);            // "xpp2-1f1b"
  const int dp = has_dp ? std::stoi(match[1]) : 1;
  const int pp = has_pp ? std::stoi(match[3]) : 1;
  const ScheduleKind schedule = has_pp ? parse_schedule_kind(match[4]) : ScheduleKind::kOneFOneB;
  const bool interleaved = schedule == ScheduleKind::kInterleaved;
  if (interleaved != match[5].matched) refuse(name);  // -vK exactly with interleaved
  const int virtual_stages = interleaved ? std::stoi(match[5]) : 1;
  const Strategy strategy = make_strategy(dp, pp, schedule, virtual_stages);
  // One spelling per strategy, so point keys stay canonical ("dp1" is "seq").
  if (strategy.name != name) {
    throw UsageError("strategy '" + name + "' is spelled '" + strategy.name + "'");
  }
  return strategy;
}

std::vector<Strategy> default_strategies(int ranks, int n_layers) {
  std::vector<Strategy> strategies{make_strategy(1, 1, ScheduleKind::kOneFOneB, 1)};
  if (ranks == 1) return strategies;
  strategies.push_back(make_strategy(ranks, 1, ScheduleKind::kOneFOneB, 1));
  strategies.push_back(make_strategy(1, ranks, ScheduleKind::kGPipe, 1));
  strategies.push_back(make_strategy(1, ranks, ScheduleKind::kOneFOneB, 1));
  if (2 * ranks <= n_layers) strategies.push_back(make_strategy(1, ranks, ScheduleKind::kInterleaved, 2));
  for (int dp = 2; dp < ranks; ++dp) {
    if (ranks % dp == 0 && ranks / dp > 1) {
      strategies.push_back(make_strategy(dp, ranks / dp, ScheduleKind::kOneFOneB, 1));
    }
  }
  return strategies;
}

}  // namespace paratrain
