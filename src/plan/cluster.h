#pragma once
// A machine the planner predicts for (issue 12): devices per node and nodes,
// one device's rates, and the two links. Read from JSON (clusters/*.json, or
// what `paratrain calibrate` writes); every number in a shipped file has its
// source beside it in a "source" field.
#include <array>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "plan/precision.h"

namespace paratrain {

// The collectives the runtime calls (collective_cost.h prices them).
enum class Collective { kAllReduce, kAllGather, kReduceScatter };
inline constexpr int kCollectiveCount = 3;
const char* collective_name(Collective collective);

// Point-to-point cost over one link: latency + bytes / bandwidth.
struct LinkCost {
  double latency_s = 0;
  double bandwidth_bytes_per_s = 1;
  // (bytes, seconds) of each collective between two ranks over this link,
  // measured by calibrate as the runtime meets them (after compute, so with
  // the ranks' skew): where present they price that collective instead of
  // its closed form. Empty for a datasheet link.
  std::array<std::vector<std::pair<double, double>>, kCollectiveCount> measured_two_rank_s{};
};

// A measured GEMM rate at one shape (calibrate), C(m, n) = A(m, k) B(k, n).
struct GemmRate {
  int m = 0, n = 0, k = 0;
  double flops_per_s = 0;
};

// The non-GEMM kernels the cost model prices by the bytes they move.
// kConvert: rounding fp32 to bf16 and widening back (6 bytes per element each way).
enum class VectorKernel { kLayerNorm, kGelu, kDropout, kAdamW, kSoftmax, kConvert };
inline constexpr int kVectorKernelCount = 6;
const char* vector_kernel_name(VectorKernel kernel);

struct DeviceDescription {
  std::string name;
  std::array<double, kPrecisionCount> peak_flops_per_s{};  // datasheet dense peak, 0: absent
  double memory_bytes = 0;
  double memory_bandwidth_bytes_per_s = 0;
  // The one documented factor between datasheet peak and what dense GEMMs
  // reach (1 for a measured machine, whose rates are already achieved ones).
  double gemm_efficiency = 1;
  // Measured (calibrate); empty for a datasheet device, which then uses
  // peak x efficiency for GEMMs and attention and the memory bandwidth for
  // every vector kernel.
  std::array<std::vector<GemmRate>, kPrecisionCount> gemm_rates;
  // (seq_len, rate) of fwd + bwd per precision: under bf16 the kernels round
  // their products' inputs, which costs about a tenth on a CPU.
  std::array<std::vector<std::pair<int, double>>, kPrecisionCount> attention_flops_per_s;
  std::array<double, kVectorKernelCount> vector_bytes_per_s{};  // 0: not measured
};

struct ClusterDescription {
  std::string name;
  int devices_per_node = 1;
  int nodes = 1;
  DeviceDescription device;
  LinkCost intra_node;  // between devices of one node
  LinkCost inter_node;  // between nodes
  // How many of a node's devices share one inter-node link. 1: each device has
  // its own (a DGX's one NIC per GPU); a namespace host's ranks share its one
  // veth. Groups of one node that cross nodes at once split that link.
  int inter_node_link_shared_by = 1;
  // The fraction of a non-blocking collective's time that runs hidden behind
  // compute. 1 where something other than the computing core moves the data
  // (NCCL kernels on their own CUDA stream); measured by calibrate for MPI on
  // CPU cores, where a rank's one core moves the data only inside MPI calls,
  // so the gradient all-reduce mostly runs at its final wait.
  double collective_overlap = 1;
  int devices() const { return devices_per_node * nodes; }

  nlohmann::json to_json() const;
  // JsonFieldError (core/json_fields.h) names a missing or mistyped field.
  static ClusterDescription from_json(const nlohmann::json& json);
};

// Reads a description file; UsageError naming the file for one it cannot use.
ClusterDescription read_cluster_file(const std::string& path);

// The rate of a GEMM of this shape: interpolated from the measured grid (in
// log-shape space), else peak x efficiency.
double gemm_flops_per_s(const DeviceDescription& device, Precision precision, int m, int n, int k);
// Causal attention (forward + backward, counted as 4 T D FLOPs per token each way).
double attention_flops_per_s(const DeviceDescription& device, Precision precision, int seq_len);
double vector_bytes_per_s(const DeviceDescription& device, VectorKernel kernel);
// The device's peak for MFU: the datasheet peak, or the best measured GEMM.
double peak_flops_per_s(const DeviceDescription& device, Precision precision);

}  // namespace paratrain
