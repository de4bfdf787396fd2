#include "plan/cluster.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_fields.h"

namespace paratrain {

const char* vector_kernel_name(VectorKernel kernel) {
  switch (kernel) {
    case VectorKernel::kLayerNorm:
      return "layernorm";
    case VectorKernel::kGelu:
      return "gelu";
    case VectorKernel::kDropout:
      return "dropout";
    case VectorKernel::kAdamW:
      return "adamw";
    case VectorKernel::kSoftmax:
      return "softmax";
    case VectorKernel::kConvert:
      return "bf16_convert";
  }
  return "?";
}

const char* collective_name(Collective collective) {
  switch (collective) {
    case Collective::kAllReduce:
      return "all_reduce";
    case Collective::kAllGather:
      return "all_gather";
    case Collective::kReduceScatter:
      return "reduce_scatter";
  }
  return "?";
}

namespace {

nlohmann::json link_json(const LinkCost& link) {
  nlohmann::json json = {{"latency_s", link.latency_s}, {"bandwidth_bytes_per_s", link.bandwidth_bytes_per_s}};
  nlohmann::json measured = nlohmann::json::object();
  for (int idx = 0; idx < kCollectiveCount; ++idx) {
    if (!link.measured_two_rank_s[idx].empty()) {
      measured[collective_name(static_cast<Collective>(idx))] = link.measured_two_rank_s[idx];
    }
  }
  if (!measured.empty()) json["measured_two_rank_bytes_s"] = measured;
  return json;
}

// Rows of (bytes, seconds), both positive, bytes rising.
std::vector<std::pair<double, double>> measured_table(const nlohmann::json& rows) {
  std::vector<std::pair<double, double>> table;
  for (const auto& row : rows) {
    if (!row.is_array() || row.size() != 2 || !row.at(0).is_number() || !row.at(1).is_number()) {
      throw JsonFieldError("measured_two_rank_bytes_s", "rows must be [bytes, seconds]");
    }
    table.emplace_back(row.at(0).get<double>(), row.at(1).get<double>());
    if (table.back().first <= 0 || table.back().second <= 0 ||
        (table.size() > 1 && table.back().first <= table[table.size() - 2].first)) {
      throw JsonFieldError("measured_two_rank_bytes_s", "needs positive bytes and seconds, bytes rising");
    }
  }
  return table;
}

LinkCost link_from(const nlohmann::json& json, const char* key) {
  return read_within(key, [&] {
    const nlohmann::json& link = json_object(json, key);
    LinkCost cost{json_number(link, "latency_s"), json_number(link, "bandwidth_bytes_per_s")};
    if (cost.latency_s < 0 || cost.bandwidth_bytes_per_s <= 0) {
      throw JsonFieldError("bandwidth_bytes_per_s", "must be positive (latency >= 0)");
    }
    if (json_has(link, "measured_two_rank_bytes_s")) {
      const nlohmann::json& measured = json_object(link, "measured_two_rank_bytes_s");
      for (int idx = 0; idx < kCollectiveCount; ++idx) {
        const char* name = collective_name(static_cast<Collective>(idx));
        if (measured.contains(name)) cost.measured_two_rank_s[idx] = measured_table(measured.at(name));
      }
    }
    return cost;
  });
}

nlohmann::json measured_json(const DeviceDescription& device) {
  nlohmann::json measured = nlohmann::json::object();
  nlohmann::json gemm = nlohmann::json::object();
  for (int idx = 0; idx < kPrecisionCount; ++idx) {
    if (device.gemm_rates[idx].empty()) continue;
    nlohmann::json rows = nlohmann::json::array();
    for (const GemmRate& rate : device.gemm_rates[idx]) {
      rows.push_back({rate.m, rate.n, rate.k, rate.flops_per_s});
    }
    gemm[precision_name(static_cast<Precision>(idx))] = rows;
  }
  if (!gemm.empty()) measured["gemm_m_n_k_flops_per_s"] = gemm;
  nlohmann::json attention = nlohmann::json::object();
  for (int idx = 0; idx < kPrecisionCount; ++idx) {
    if (device.attention_flops_per_s[idx].empty()) continue;
    attention[precision_name(static_cast<Precision>(idx))] = device.attention_flops_per_s[idx];
  }
  if (!attention.empty()) measured["attention_seq_len_flops_per_s"] = attention;
  nlohmann::json vectors = nlohmann::json::object();
  for (int idx = 0; idx < kVectorKernelCount; ++idx) {
    if (device.vector_bytes_per_s[idx] > 0) {
      vectors[vector_kernel_name(static_cast<VectorKernel>(idx))] = device.vector_bytes_per_s[idx];
    }
  }
  if (!vectors.empty()) measured["vector_bytes_per_s"] = vectors;
  return measured;
}

void read_measured(const nlohmann::json& measured, DeviceDescription& device) {
  if (json_has(measured, "gemm_m_n_k_flops_per_s")) {
    const nlohmann::json& gemm = json_object(measured, "gemm_m_n_k_flops_per_s");
    for (int idx = 0; idx < kPrecisionCount; ++idx) {
      const char* name = precision_name(static_cast<Precision>(idx));
      if (!gemm.contains(name)) continue;
      for (const auto& row : gemm.at(name)) {
        device.gemm_rates[idx].push_back(
            {row.at(0).get<int>(), row.at(1).get<int>(), row.at(2).get<int>(), row.at(3).get<double>()});
      }
    }
  }
  if (json_has(measured, "attention_seq_len_flops_per_s")) {
    const nlohmann::json& attention = measured.at("attention_seq_len_flops_per_s");
    for (int idx = 0; idx < kPrecisionCount; ++idx) {
      // A description from before per-precision rates holds one list for both.
      const char* name = precision_name(static_cast<Precision>(idx));
      const nlohmann::json* rows = attention.is_array() ? &attention : nullptr;
      if (attention.is_object() && attention.contains(name)) rows = &attention.at(name);
      if (rows == nullptr) continue;
      for (const auto& row : *rows) {
        device.attention_flops_per_s[idx].emplace_back(row.at(0).get<int>(), row.at(1).get<double>());
      }
    }
  }
  if (json_has(measured, "vector_bytes_per_s")) {
    const nlohmann::json& vectors = json_object(measured, "vector_bytes_per_s");
    for (int idx = 0; idx < kVectorKernelCount; ++idx) {
      device.vector_bytes_per_s[idx] =
          json_number_or(vectors, vector_kernel_name(static_cast<VectorKernel>(idx)), 0.0);
    }
  }
}

DeviceDescription device_from(const nlohmann::json& json) {
  DeviceDescription device;
  device.name = json_text_or(json, "name", "device");
  const nlohmann::json& peaks = json_object(json, "peak_flops_per_s");
  for (int idx = 0; idx < kPrecisionCount; ++idx) {
    device.peak_flops_per_s[idx] = json_number_or(peaks, precision_name(static_cast<Precision>(idx)), 0.0);
  }
  device.memory_bytes = json_number(json, "memory_bytes");
  device.memory_bandwidth_bytes_per_s = json_number(json, "memory_bandwidth_bytes_per_s");
  device.gemm_efficiency = json_number_or(json, "gemm_efficiency", 1.0);
  if (device.memory_bytes <= 0 || device.memory_bandwidth_bytes_per_s <= 0 ||
      device.peak_flops_per_s[0] + device.peak_flops_per_s[1] <= 0 || device.gemm_efficiency <= 0 ||
      device.gemm_efficiency > 1) {
    throw JsonFieldError("device", "needs a positive peak, memory and bandwidth, efficiency in (0, 1]");
  }
  if (json_has(json, "measured")) {
    read_within("measured", [&] {
      read_measured(json_object(json, "measured"), device);
      return 0;
    });
  }
  return device;
}

}  // namespace

nlohmann::json ClusterDescription::to_json() const {
  nlohmann::json peaks = nlohmann::json::object();
  for (int idx = 0; idx < kPrecisionCount; ++idx) {
    if (device.peak_flops_per_s[idx] > 0) {
      peaks[precision_name(static_cast<Precision>(idx))] = device.peak_flops_per_s[idx];
    }
  }
  nlohmann::json device_json = {{"name", device.name},
                                {"peak_flops_per_s", peaks},
                                {"memory_bytes", device.memory_bytes},
                                {"memory_bandwidth_bytes_per_s", device.memory_bandwidth_bytes_per_s},
                                {"gemm_efficiency", device.gemm_efficiency}};
  const nlohmann::json measured = measured_json(device);
  if (!measured.empty()) device_json["measured"] = measured;
  return {{"name", name},           {"devices_per_node", devices_per_node},
          {"nodes", nodes},         {"device", device_json},
          {"intra_node", link_json(intra_node)}, {"inter_node", link_json(inter_node)},
          {"inter_node_link_shared_by", inter_node_link_shared_by},
          {"collective_overlap", collective_overlap}};
}

ClusterDescription ClusterDescription::from_json(const nlohmann::json& json) {
  ClusterDescription cluster;
  cluster.name = json_text_or(json, "name", "cluster");
  cluster.devices_per_node = json_int(json, "devices_per_node");
  cluster.nodes = json_int(json, "nodes");
  if (cluster.devices_per_node < 1 || cluster.nodes < 1) {
    throw JsonFieldError("devices_per_node", "devices_per_node and nodes must be at least 1");
  }
  cluster.device = read_within("device", [&] { return device_from(json_object(json, "device")); });
  cluster.intra_node = link_from(json, "intra_node");
  cluster.inter_node = link_from(json, "inter_node");
  cluster.inter_node_link_shared_by = json_int_or(json, "inter_node_link_shared_by", 1);
  if (cluster.inter_node_link_shared_by < 1) {
    throw JsonFieldError("inter_node_link_shared_by", "must be at least 1");
  }
  cluster.collective_overlap = json_number_or(json, "collective_overlap", 1.0);
  if (!(cluster.collective_overlap >= 0 && cluster.collective_overlap <= 1)) {
    throw JsonFieldError("collective_overlap", "must be in [0, 1]");
  }
  return cluster;
}

ClusterDescription read_cluster_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("--cluster: cannot read " + path);
  try {
    return ClusterDescription::from_json(nlohmann::json::parse(in));
  } catch (const nlohmann::json::exception& error) {
    throw UsageError("--cluster: " + path + " is not a cluster description: " + error.what());
  } catch (const JsonFieldError& error) {
    throw UsageError("--cluster: " + path + ": " + error.what());
  }
}

double peak_flops_per_s(const DeviceDescription& device, Precision precision) {
  const int idx = static_cast<int>(precision);
  if (device.peak_flops_per_s[idx] > 0) return device.peak_flops_per_s[idx];
  double best = 0;
  for (const GemmRate& rate : device.gemm_rates[idx]) best = std::max(best, rate.flops_per_s);
  return best;
}

double gemm_flops_per_s(const DeviceDescription& device, Precision precision, int m, int n, int k) {
  const std::vector<GemmRate>& rates = device.gemm_rates[static_cast<int>(precision)];
  if (rates.empty()) return peak_flops_per_s(device, precision) * device.gemm_efficiency;
  // Inverse-square-distance weights in (log m, log n, log k): a shape on the
  // grid gets its own rate, one between points a blend of its neighbours.
  double weight_sum = 0, log_rate_sum = 0;
  for (const GemmRate& rate : rates) {
    const double dm = std::log(static_cast<double>(m) / rate.m);
    const double dn = std::log(static_cast<double>(n) / rate.n);
    const double dk = std::log(static_cast<double>(k) / rate.k);
    const double distance = dm * dm + dn * dn + dk * dk;
    if (distance < 1e-12) return rate.flops_per_s;
    const double weight = 1.0 / (distance * distance);
    weight_sum += weight;
    log_rate_sum += weight * std::log(rate.flops_per_s);
  }
  return std::exp(log_rate_sum / weight_sum);
}

double attention_flops_per_s(const DeviceDescription& device, Precision precision, int seq_len) {
  const auto& rates = device.attention_flops_per_s[static_cast<int>(precision)];
  if (rates.empty()) return peak_flops_per_s(device, precision) * device.gemm_efficiency;
  // Piecewise linear in log seq_len, flat beyond the ends.
  if (seq_len <= rates.front().first) return rates.front().second;
  for (size_t idx = 1; idx < rates.size(); ++idx) {
    if (seq_len <= rates[idx].first) {
      const double span = std::log(static_cast<double>(rates[idx].first) / rates[idx - 1].first);
      const double at = std::log(static_cast<double>(seq_len) / rates[idx - 1].first) / span;
      return rates[idx - 1].second + at * (rates[idx].second - rates[idx - 1].second);
    }
  }
  return rates.back().second;
}

double vector_bytes_per_s(const DeviceDescription& device, VectorKernel kernel) {
  const double measured = device.vector_bytes_per_s[static_cast<int>(kernel)];
  return measured > 0 ? measured : device.memory_bandwidth_bytes_per_s;
}

}  // namespace paratrain
