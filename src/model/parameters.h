#pragma once
// The parameter table: every parameter of the units a rank holds, by its
// MODEL.md name, as named views into one allocation for the values and one
// for the gradients (llm.c's habit), so that the optimizer and the gradient
// all-reduce see each as one flat array.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/memory.h"
#include "model/config.h"

namespace paratrain {

enum class InitKind { kNormal, kOnes, kZeros };

struct ParameterSpec {
  std::string name;            // MODEL.md name, e.g. "blocks.3.attn.qkv.weight"
  std::vector<int64_t> shape;  // PyTorch shape, e.g. {3D, D}
  InitKind init = InitKind::kZeros;
  float init_std = 0.0f;       // for kNormal

  int64_t numel() const;
  bool decays() const { return shape.size() >= 2; }  // AdamW decays 2+-dim tensors only
};

// Units of the model chain: 0 = Embed, 1..L = blocks 0..L-1, L+1 = Head.
int unit_count(const ModelConfig& config);
std::vector<ParameterSpec> unit_parameter_specs(const ModelConfig& config, int unit_index);

class ParameterTable {
 public:
  struct Entry {
    ParameterSpec spec;
    size_t offset = 0;  // elements from the start of values() / grads()
  };

  ParameterTable(MemoryTracker& tracker, std::vector<ParameterSpec> specs);

  float* value(const std::string& name) { return values_.data() + find(name).offset; }
  float* grad(const std::string& name) { return grads_.data() + find(name).offset; }
  const Entry& find(const std::string& name) const;
  bool contains(const std::string& name) const { return index_.count(name) != 0; }

  const std::vector<Entry>& entries() const { return entries_; }
  float* values() { return values_.data(); }
  float* grads() { return grads_.data(); }
  size_t size() const { return values_.size(); }
  void zero_grads();

 private:
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
  Buffer<float> values_;  // all parameters, in entry order
  Buffer<float> grads_;   // their gradients, same layout
};

// MODEL.md's from-scratch init. Each element is drawn from Philox keyed by
// (seed, parameter name) at the element's index, so the values do not depend
// on which rank holds the parameter.
void initialize_parameters(ParameterTable& table, uint32_t seed);

// A standard normal number for element `index` of the stream (seed, stream).
float philox_normal(uint32_t seed, uint32_t stream, uint64_t index);
uint32_t name_hash(const std::string& name);

}  // namespace paratrain
