#include "plan/collective_cost.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace paratrain {

double point_to_point_seconds(const LinkCost& link, double bytes) {
  return link.latency_s + bytes / link.bandwidth_bytes_per_s;
}

namespace {

// Log-log interpolation of measured (bytes, seconds); beyond the largest
// message at its bandwidth, below the smallest at its time.
double interpolated_seconds(const std::vector<std::pair<double, double>>& table, double bytes) {
  if (bytes <= table.front().first) return table.front().second;
  if (bytes >= table.back().first) return table.back().second * bytes / table.back().first;
  const auto upper = std::lower_bound(table.begin(), table.end(), std::make_pair(bytes, 0.0));
  const auto lower = upper - 1;
  const double fraction = std::log(bytes / lower->first) / std::log(upper->first / lower->first);
  return std::exp(std::log(lower->second) + fraction * std::log(upper->second / lower->second));
}

}  // namespace

double collective_seconds(Collective collective, const LinkCost& link, int ranks, double bytes) {
  PT_CHECK(ranks >= 1, "a collective needs at least one rank");
  if (ranks == 1) return 0.0;
  const auto& measured = link.measured_two_rank_s[static_cast<int>(collective)];
  if (!measured.empty()) return (ranks - 1) * interpolated_seconds(measured, 2.0 * bytes / ranks);
  const double steps = ranks - 1;
  const double per_step = link.latency_s + bytes / (ranks * link.bandwidth_bytes_per_s);
  switch (collective) {
    case Collective::kAllReduce:
      return 2.0 * steps * per_step;  // reduce-scatter, then all-gather
    case Collective::kAllGather:
    case Collective::kReduceScatter:
      return steps * per_step;
  }
  PT_CHECK(false, "unknown Collective");
  return 0.0;
}

const LinkCost& group_link(const ClusterDescription& cluster, const std::vector<int>& world_ranks) {
  PT_CHECK(!world_ranks.empty(), "a group needs ranks");
  const auto [lowest, highest] = std::minmax_element(world_ranks.begin(), world_ranks.end());
  const bool one_node = *lowest / cluster.devices_per_node == *highest / cluster.devices_per_node;
  return one_node ? cluster.intra_node : cluster.inter_node;
}

LinkCost axis_link(const ClusterDescription& cluster, const GridShape& shape, int rank, Axis axis) {
  const LinkCost& link = group_link(cluster, group_ranks(shape, rank, axis));
  if (&link != &cluster.inter_node) return link;
  const int node = rank / cluster.devices_per_node;
  int crossing = 0;
  for (int other = node * cluster.devices_per_node; other < (node + 1) * cluster.devices_per_node; ++other) {
    if (other < shape.world() && &group_link(cluster, group_ranks(shape, other, axis)) == &cluster.inter_node) {
      ++crossing;
    }
  }
  LinkCost shared = link;
  shared.bandwidth_bytes_per_s /= std::max(1, std::min(crossing, cluster.inter_node_link_shared_by));
  return shared;
}

}  // namespace paratrain
