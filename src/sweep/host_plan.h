#pragma once
// Spreads a planned sweep over namespace hosts and link rates
// (`sweep --hosts N --link-rate R1,R2 --placement packed,spread`).
#include <string>
#include <vector>

#include "sweep/sweep_point.h"

namespace paratrain {

struct HostSweepSpec {
  int hosts = 1;                                   // 1: local; the rest is then refused
  std::vector<std::string> link_rates{"unshaped"};
  std::vector<RankPlacement> placements{RankPlacement::kPacked};
};

// UsageError for hosts < 1, a bad or repeated rate or placement, or rates
// or placements other than the defaults with one host.
void check_host_sweep(const HostSweepSpec& spec);

// Every point at every rate (rates outermost, so an interrupted sweep has
// compared the strategies at the rates it finished), once per placement;
// "spread" only for points with more ranks than hosts, where it differs from
// "packed". One host: the points unchanged.
std::vector<SweepPoint> spread_over_hosts(const std::vector<SweepPoint>& points, const HostSweepSpec& spec);

}  // namespace paratrain
