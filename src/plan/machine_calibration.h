#pragma once
// `paratrain calibrate`: this machine as a cluster description (cluster.h),
// measured with the kernels and the MPI calls the runtime uses: GEMM rates
// over a grid of shapes, causal attention over sequence lengths, the vector
// kernels' bytes per second, and point-to-point time against message size
// between two ranks (latency and bandwidth by least squares).
#include <array>
#include <vector>

#include "comm/communicator.h"
#include "plan/cluster.h"

namespace paratrain {

enum class CalibrationDepth { kQuick, kFull };

// One rank's device, measured (a few seconds quick, under a minute full).
DeviceDescription measure_device(CalibrationDepth depth);

struct MessageTime {
  double bytes = 0;
  double p2p_s = 0;  // one way, the other direction idle (half a ping-pong round trip)
  // One way while the other direction carries as much at the same time, as
  // in every step of a ring collective; the link's bandwidth is fitted to it.
  double exchange_s = 0;
  // Each Collective of `bytes` in all over the world's ranks, timed right
  // after a unit of compute on every rank (as the runtime meets them).
  std::array<double, kCollectiveCount> collective_s{};
};

// Collective over `world` (2 ranks or more; ranks 0 and 1 ping-pong): every rank returns the table.
std::vector<MessageTime> measure_messages(const Communicator& world);
// The fraction of a non-blocking all-reduce of a gradient-sized buffer that
// runs hidden behind GEMMs, tested between them as GradientBuckets tests its
// buckets at each unit's end (ClusterDescription::collective_overlap).
// Collective over `world` (2 ranks or more); every rank returns the same value.
double measure_collective_overlap(const Communicator& world);
// t = latency + bytes / bandwidth, least squares over the table's exchange times.
LinkCost fit_link(const std::vector<MessageTime>& times);

// `link` with the table's collective times as its measured two-rank ones.
LinkCost with_measured_collectives(LinkCost link, const std::vector<MessageTime>& times);

// The link assumed when no two ranks were measured (a description built
// without mpirun): shared-memory MPI on one host, order of magnitude only.
LinkCost assumed_shared_memory_link();

// This machine: its cores as devices of one node, each `device`, memory
// available split over the cores, collectives not overlapping compute.
ClusterDescription this_machine(const DeviceDescription& device, const LinkCost& link);

}  // namespace paratrain
