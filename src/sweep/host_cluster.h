#pragma once
// The planner's picture of a point run across namespace hosts (issue 13), so
// the bench record's prediction sits beside the measurement at each link
// rate: this machine's calibrated device on `hosts` nodes of world / hosts
// devices each, the nodes joined by the shaped link.
#include <string>

#include "plan/cluster.h"
#include "sweep/host_launch.h"

namespace paratrain {

// One-way latency between two namespace hosts over veth and TCP, with
// mpi_yield_when_idle (measured 16 µs, README "Across hosts"). tc's tbf adds
// queueing, not latency, so the shaped rates keep it.
inline constexpr double kNamespaceLatencyS = 16e-6;

// `machine` with nodes = hosts, devices per node = world / hosts, and the
// inter-node link at the rate set (bits to bytes). "unshaped" keeps the
// machine's own calibrated link bandwidth (shared memory: an upper bound on
// what unshaped TCP reaches). The planner maps tp fastest within a node, so
// this is the packed placement's picture. All hosts run on this machine's
// `cores`: with more ranks than cores, each rank's device gets cores / world
// of every measured rate (the ranks time-share the cores).
ClusterDescription host_cluster(const ClusterDescription& machine, const HostPlacement& hosts, int world, int cores);

// Writes host_cluster of the description at `machine_path` into `dir` (once
// per hosts, rate and world) and returns its path.
std::string write_host_cluster(const std::string& machine_path, const HostPlacement& hosts, int world, int cores,
                               const std::string& dir);

}  // namespace paratrain
