#pragma once
// Closed forms for the collectives the runtime calls (latency alpha,
// bandwidth beta of the link the group crosses, n ranks, S bytes):
//   point-to-point          alpha + S / beta
//   ring all-reduce         2 (n-1) (alpha + S / (n beta))
//   ring all-gather         (n-1) (alpha + S / (n beta))   S = the gathered whole
//   ring reduce-scatter     (n-1) (alpha + S / (n beta))   S = the input whole
// A group whose ranks sit on more than one node is bound by the inter-node
// link (the ring crosses it), otherwise by the intra-node one.
// On a link with measured two-rank times (a calibrated machine) each of the
// n - 1 ring steps of n ranks is priced as the measured two-rank collective
// of 2 S / n bytes (one step's message), interpolated in log-log.
#include <vector>

#include "comm/process_grid.h"
#include "plan/cluster.h"

namespace paratrain {

double point_to_point_seconds(const LinkCost& link, double bytes);
double collective_seconds(Collective collective, const LinkCost& link, int ranks, double bytes);

// The link a group of world ranks crosses: ranks fill nodes in order
// (devices_per_node consecutive world ranks per node), as the grid places
// tp fastest, then dp, then pp.
const LinkCost& group_link(const ClusterDescription& cluster, const std::vector<int>& world_ranks);
// The link of `rank`'s group along `axis` in a grid of `shape`, as that group
// sees it: across nodes, the inter-node bandwidth is split among the ranks of
// `rank`'s node whose groups along `axis` also cross nodes (they run the same
// collective at the same time), up to inter_node_link_shared_by of them.
LinkCost axis_link(const ClusterDescription& cluster, const GridShape& shape, int rank, Axis axis);

}  // namespace paratrain
