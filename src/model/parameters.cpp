#include "model/parameters.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/philox.h"

namespace paratrain {

int64_t ParameterSpec::numel() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

int unit_count(const ModelConfig& config) { return config.n_layers + 2; }

std::vector<ParameterSpec> unit_parameter_specs(const ModelConfig& config, int unit_index) {
  const int64_t vocab = config.vocab_size, d = config.d_model, f = config.ffn_width();
  const float std_base = 0.02f;
  if (unit_index == 0) {
    return {{"tok_emb.weight", {vocab, d}, InitKind::kNormal, std_base},
            {"pos_emb.weight", {config.seq_len, d}, InitKind::kNormal, std_base}};
  }
  if (unit_index == config.n_layers + 1) {
    return {{"ln_f.weight", {d}, InitKind::kOnes},
            {"ln_f.bias", {d}, InitKind::kZeros},
            {"lm_head.weight", {vocab, d}, InitKind::kNormal, std_base}};
  }
  PT_CHECK(unit_index > 0 && unit_index <= config.n_layers, "unit index out of range");
  const std::string prefix = "blocks." + std::to_string(unit_index - 1) + ".";
  const float std_out = std_base / std::sqrt(2.0f * config.n_layers);
  return {{prefix + "ln1.weight", {d}, InitKind::kOnes},
          {prefix + "ln1.bias", {d}, InitKind::kZeros},
          {prefix + "attn.qkv.weight", {3 * d, d}, InitKind::kNormal, std_base},
          {prefix + "attn.qkv.bias", {3 * d}, InitKind::kZeros},
          {prefix + "attn.proj.weight", {d, d}, InitKind::kNormal, std_out},
          {prefix + "attn.proj.bias", {d}, InitKind::kZeros},
          {prefix + "ln2.weight", {d}, InitKind::kOnes},
          {prefix + "ln2.bias", {d}, InitKind::kZeros},
          {prefix + "mlp.fc1.weight", {f, d}, InitKind::kNormal, std_base},
          {prefix + "mlp.fc1.bias", {f}, InitKind::kZeros},
          {prefix + "mlp.fc2.weight", {d, f}, InitKind::kNormal, std_out},
          {prefix + "mlp.fc2.bias", {d}, InitKind::kZeros}};
}

namespace {

size_t total_elements(const std::vector<ParameterSpec>& specs) {
  size_t total = 0;
  for (const auto& spec : specs) total += static_cast<size_t>(spec.numel());
  return total;
}

}  // namespace

ParameterTable::ParameterTable(MemoryTracker& tracker, std::vector<ParameterSpec> specs)
    : values_(tracker, MemoryCategory::kParameters, total_elements(specs)),
      grads_(tracker, MemoryCategory::kGradients, total_elements(specs)) {
  size_t offset = 0;
  for (auto& spec : specs) {
    const size_t count = static_cast<size_t>(spec.numel());
    index_[spec.name] = entries_.size();
    entries_.push_back({std::move(spec), offset});
    offset += count;
  }
}

const ParameterTable::Entry& ParameterTable::find(const std::string& name) const {
  auto it = index_.find(name);
  PT_CHECK(it != index_.end(), "no parameter named " + name + " on this rank");
  return entries_[it->second];
}

void ParameterTable::zero_grads() { std::memset(grads_.data(), 0, sizeof(float) * grads_.size()); }

uint32_t name_hash(const std::string& name) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char ch : name) hash = (hash ^ ch) * 16777619u;
  return hash;
}

float philox_normal(uint32_t seed, uint32_t stream, uint64_t index) {
  // Box-Muller on two words of one Philox block; a block serves two elements.
  const uint64_t block = index / 2;
  const PhiloxCounter words =
      philox4x32_10({uint32_t(block), uint32_t(block >> 32), 0, 0}, {seed, stream});
  const int lane = static_cast<int>(index % 2) * 2;
  const double u1 = (static_cast<double>(words[lane]) + 1.0) / 4294967296.0;  // (0, 1]
  const double u2 = static_cast<double>(words[lane + 1]) / 4294967296.0;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
}

void initialize_parameters(ParameterTable& table, uint32_t seed) {
  for (const auto& entry : table.entries()) {
    float* values = table.values() + entry.offset;
    const int64_t count = entry.spec.numel();
    const uint32_t stream = name_hash(entry.spec.name);
    for (int64_t idx = 0; idx < count; ++idx) {
      switch (entry.spec.init) {
        case InitKind::kOnes: values[idx] = 1.0f; break;
        case InitKind::kZeros: values[idx] = 0.0f; break;
        case InitKind::kNormal:
          values[idx] = entry.spec.init_std * philox_normal(seed, stream, static_cast<uint64_t>(idx));
          break;
      }
    }
  }
}

}  // namespace paratrain
