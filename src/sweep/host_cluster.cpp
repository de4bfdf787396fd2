#include "sweep/host_cluster.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/output_file.h"

namespace paratrain {

namespace {

// Every rate of `device` times `share` (a rank's part of a time-shared core).
void scale_rates(DeviceDescription& device, double share) {
  for (double& peak : device.peak_flops_per_s) peak *= share;
  device.memory_bandwidth_bytes_per_s *= share;
  for (auto& rates : device.gemm_rates) {
    for (GemmRate& rate : rates) rate.flops_per_s *= share;
  }
  for (auto& rates : device.attention_flops_per_s) {
    for (auto& [seq_len, rate] : rates) rate *= share;
  }
  for (double& rate : device.vector_bytes_per_s) rate *= share;
}

}  // namespace

ClusterDescription host_cluster(const ClusterDescription& machine, const HostPlacement& hosts, int world, int cores) {
  PT_CHECK(hosts.hosts >= 1 && world % hosts.hosts == 0, "ranks must fill the hosts evenly");
  ClusterDescription cluster = machine;
  cluster.nodes = hosts.hosts;
  cluster.devices_per_node = world / hosts.hosts;
  cluster.inter_node_link_shared_by = cluster.devices_per_node;  // one veth per host
  const double bits = link_rate_bits_per_s(hosts.link_rate);
  cluster.inter_node.latency_s = kNamespaceLatencyS;
  cluster.inter_node.bandwidth_bytes_per_s = bits > 0 ? bits / 8.0 : machine.intra_node.bandwidth_bytes_per_s;
  cluster.name = machine.name + ", " + std::to_string(hosts.hosts) + " namespace hosts at " + hosts.link_rate;
  if (cores >= 1 && world > cores) {
    scale_rates(cluster.device, static_cast<double>(cores) / world);
    cluster.name += " (" + std::to_string(world) + " ranks time-share " + std::to_string(cores) + " cores)";
  }
  return cluster;
}

std::string write_host_cluster(const std::string& machine_path, const HostPlacement& hosts, int world, int cores,
                               const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(dir) / ("machine-" + std::to_string(hosts.hosts) + "hosts-" +
                                         std::to_string(world) + "ranks-" + hosts.link_rate + ".json");
  if (!fs::exists(path)) {
    const ClusterDescription cluster = host_cluster(read_cluster_file(machine_path), hosts, world, cores);
    OutputFile out(path.string(), "the hosts' cluster description");
    out.write(cluster.to_json().dump(2) + "\n");
    out.commit();
  }
  return path.string();
}

}  // namespace paratrain
