#include "sweep/host_plan.h"

#include <set>

#include "core/error.h"

namespace paratrain {

void check_host_sweep(const HostSweepSpec& spec) {
  if (spec.hosts < 1) throw UsageError("--hosts must be at least 1");
  if (spec.link_rates.empty()) throw UsageError("--link-rate needs at least one rate");
  if (spec.placements.empty()) throw UsageError("--placement needs at least one of packed, spread");
  std::set<std::string> rates;
  for (const std::string& rate : spec.link_rates) {
    check_link_rate(rate);
    if (!rates.insert(rate).second) throw UsageError("--link-rate lists " + rate + " twice");
  }
  std::set<RankPlacement> placements(spec.placements.begin(), spec.placements.end());
  if (placements.size() != spec.placements.size()) throw UsageError("--placement lists a placement twice");
  if (spec.hosts == 1 && (spec.link_rates.size() != 1 || spec.link_rates.front() != "unshaped")) {
    throw UsageError("--link-rate needs --hosts 2 or more (one host runs locally, unshaped)");
  }
  if (spec.hosts == 1 && placements != std::set<RankPlacement>{RankPlacement::kPacked}) {
    throw UsageError("--placement needs --hosts 2 or more");
  }
}

std::vector<SweepPoint> spread_over_hosts(const std::vector<SweepPoint>& points, const HostSweepSpec& spec) {
  if (spec.hosts == 1) return points;
  std::vector<SweepPoint> spread;
  for (const std::string& rate : spec.link_rates) {
    for (const SweepPoint& point : points) {
      for (const RankPlacement placement : spec.placements) {
        if (placement == RankPlacement::kSpread && point.strategy.ranks() <= spec.hosts) continue;
        SweepPoint across = point;
        across.hosts = HostPlacement{spec.hosts, rate, placement};
        spread.push_back(std::move(across));
      }
    }
  }
  return spread;
}

}  // namespace paratrain
