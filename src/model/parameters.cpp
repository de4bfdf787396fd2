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

int64_t ParameterSpec::full_numel() const {
  int64_t count = 1;
  for (int64_t dim : full_shape) count *= dim;
  return count;
}

int64_t ParameterSpec::global_index(int64_t local_index) const {
  const int64_t local_cols = shape.size() >= 2 ? shape.back() : 1;
  const int64_t full_cols = full_shape.size() >= 2 ? full_shape.back() : 1;
  int64_t local_row = local_index / local_cols;
  const int64_t col = local_index % local_cols;
  for (const auto& [begin, end] : shard.rows) {
    if (local_row < end - begin) return (begin + local_row) * full_cols + shard.col_begin + col;
    local_row -= end - begin;
  }
  PT_CHECK(false, "element outside the shard of " + name);
  return -1;
}

void extract_shard(const ParameterSpec& spec, const float* full, float* local) {
  const int64_t count = spec.numel();
  for (int64_t idx = 0; idx < count; ++idx) local[idx] = full[spec.global_index(idx)];
}

void insert_shard(const ParameterSpec& spec, const float* local, float* full) {
  const int64_t count = spec.numel();
  for (int64_t idx = 0; idx < count; ++idx) full[spec.global_index(idx)] = local[idx];
}

int unit_count(const ModelConfig& config) { return config.n_layers + 2; }

namespace {

// Builders of the four ways a parameter is held.
ParameterSpec whole(std::string name, std::vector<int64_t> shape, InitKind init, float std,
                    const TensorSlice& slice) {
  ParameterSpec spec{std::move(name), shape, shape, init, std, {{{0, shape[0]}}, 0}};
  spec.partial_gradient = slice.size > 1 && slice.sequence_parallel;
  return spec;
}

// Column parallel (Megatron's ColumnParallelLinear: the output features are
// split): rows [rank * n / size, ...) of each of `parts` equal blocks of the
// weight's rows (out, in), or of a bias.
ParameterSpec column_parallel_shard(std::string name, std::vector<int64_t> full, int parts,
                                    InitKind init, float std, const TensorSlice& slice) {
  const int64_t block = full[0] / parts, local = block / slice.size;
  ParameterSpec spec{std::move(name), full, full, init, std, {}};
  spec.shape[0] = local * parts;
  for (int part = 0; part < parts; ++part) {
    const int64_t begin = part * block + slice.rank * local;
    spec.shard.rows.push_back({begin, begin + local});
  }
  return spec;
}

// Row parallel (Megatron's RowParallelLinear: the input features are split):
// columns [rank * n / size, ...) of the weight (out, in).
ParameterSpec row_parallel_shard(std::string name, std::vector<int64_t> full, InitKind init,
                                 float std, const TensorSlice& slice) {
  const int64_t local = full[1] / slice.size;
  ParameterSpec spec{std::move(name), {full[0], local}, full, init, std, {{{0, full[0]}}, slice.rank * local}};
  return spec;
}

}  // namespace

std::vector<ParameterSpec> unit_parameter_specs(const ModelConfig& config, int unit_index,
                                                const TensorSlice& slice) {
  const int64_t vocab = config.vocab_size, d = config.d_model, f = config.ffn_width();
  const float std_base = 0.02f;
  const auto normal = InitKind::kNormal, ones = InitKind::kOnes, zeros = InitKind::kZeros;
  if (unit_index == 0) {  // the vocabulary-parallel embedding: rows split as column parallel
    return {column_parallel_shard("tok_emb.weight", {vocab, d}, 1, normal, std_base, slice),
            whole("pos_emb.weight", {config.seq_len, d}, normal, std_base, slice)};
  }
  if (unit_index == config.n_layers + 1) {
    return {whole("ln_f.weight", {d}, ones, 0, slice), whole("ln_f.bias", {d}, zeros, 0, slice),
            column_parallel_shard("lm_head.weight", {vocab, d}, 1, normal, std_base, slice)};
  }
  PT_CHECK(unit_index > 0 && unit_index <= config.n_layers, "unit index out of range");
  const std::string prefix = "blocks." + std::to_string(unit_index - 1) + ".";
  const float std_out = std_base / std::sqrt(2.0f * config.n_layers);
  return {whole(prefix + "ln1.weight", {d}, ones, 0, slice),
          whole(prefix + "ln1.bias", {d}, zeros, 0, slice),
          column_parallel_shard(prefix + "attn.qkv.weight", {3 * d, d}, 3, normal, std_base, slice),
          column_parallel_shard(prefix + "attn.qkv.bias", {3 * d}, 3, zeros, 0, slice),
          row_parallel_shard(prefix + "attn.proj.weight", {d, d}, normal, std_out, slice),
          whole(prefix + "attn.proj.bias", {d}, zeros, 0, slice),
          whole(prefix + "ln2.weight", {d}, ones, 0, slice),
          whole(prefix + "ln2.bias", {d}, zeros, 0, slice),
          column_parallel_shard(prefix + "mlp.fc1.weight", {f, d}, 1, normal, std_base, slice),
          column_parallel_shard(prefix + "mlp.fc1.bias", {f}, 1, zeros, 0, slice),
          row_parallel_shard(prefix + "mlp.fc2.weight", {d, f}, normal, std_out, slice),
          whole(prefix + "mlp.fc2.bias", {d}, zeros, 0, slice)};
}

std::vector<ParameterSpec> piece_parameter_specs(const ModelConfig& config, const UnitPiece& piece,
                                                 const TensorSlice& slice) {
  std::vector<ParameterSpec> specs = unit_parameter_specs(config, piece.unit, slice);
  if (piece.part == BlockPart::kWhole) return specs;
  // A block's first six tensors (ln1, qkv, proj) are its attention half's.
  constexpr size_t kAttentionTensors = 6;
  PT_CHECK(specs.size() == 2 * kAttentionTensors, "a block part of a unit that is not a block");
  if (piece.part == BlockPart::kAttention) {
    specs.resize(kAttentionTensors);
  } else {
    specs.erase(specs.begin(), specs.begin() + kAttentionTensors);
  }
  return specs;
}

namespace {

size_t total_elements(const std::vector<ParameterSpec>& specs, size_t pad_to = 1) {
  size_t total = 0;
  for (const auto& spec : specs) total += static_cast<size_t>(spec.numel());
  return (total + pad_to - 1) / pad_to * pad_to;
}

}  // namespace

ParameterTable::ParameterTable(MemoryTracker& tracker, std::vector<ParameterSpec> specs,
                               size_t pad_to)
    : size_(total_elements(specs)),
      values_(tracker, MemoryCategory::kParameters, total_elements(specs, pad_to)),
      grads_(tracker, MemoryCategory::kGradients, total_elements(specs, pad_to)) {
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
          values[idx] = entry.spec.init_std *
                        philox_normal(seed, stream, static_cast<uint64_t>(entry.spec.global_index(idx)));
          break;
      }
    }
  }
}

}  // namespace paratrain
