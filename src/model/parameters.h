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
#include "model/pieces.h"

namespace paratrain {

enum class InitKind { kNormal, kOnes, kZeros };

// Which part of a full parameter a tensor-parallel rank holds: the full
// tensor's rows listed in `rows` (concatenated in order) and, of each, the
// columns [col_begin, col_begin + local columns). A 1-D tensor is a column of
// rows. The whole tensor: one range of all rows, col_begin 0.
struct Shard {
  std::vector<std::pair<int64_t, int64_t>> rows;  // [begin, end) rows of the full tensor
  int64_t col_begin = 0;
};

// The tensor-parallel slicing a rank asks the specs for.
struct TensorSlice {
  int rank = 0;
  int size = 1;
  bool sequence_parallel = false;
};

struct ParameterSpec {
  std::string name;                 // MODEL.md name, e.g. "blocks.3.attn.qkv.weight"
  std::vector<int64_t> shape;       // this rank's shape, e.g. {3D / tp, D}
  std::vector<int64_t> full_shape;  // the PyTorch shape, e.g. {3D, D}
  InitKind init = InitKind::kZeros;
  float init_std = 0.0f;            // for kNormal
  Shard shard;
  // Replicated over the tensor-parallel group, but each rank's gradient is
  // only a part (sequence parallelism: each saw its part of the sequence), so
  // the group must sum them.
  bool partial_gradient = false;

  int64_t numel() const;
  int64_t full_numel() const;
  bool decays() const { return shape.size() >= 2; }  // AdamW decays 2+-dim tensors only
  // Index in the full tensor (row-major) of this rank's element `local_index`.
  int64_t global_index(int64_t local_index) const;
};

// Units of the model chain: 0 = Embed, 1..L = blocks 0..L-1, L+1 = Head.
int unit_count(const ModelConfig& config);
// The unit's parameters as `slice` holds them (all of them by default).
std::vector<ParameterSpec> unit_parameter_specs(const ModelConfig& config, int unit_index,
                                                const TensorSlice& slice = {});
// Those of one piece (model/pieces.h): a block's attention half holds ln1,
// qkv and proj, its MLP half ln2, fc1 and fc2.
std::vector<ParameterSpec> piece_parameter_specs(const ModelConfig& config, const UnitPiece& piece,
                                                 const TensorSlice& slice = {});

// Copies this rank's part of a full tensor (full_shape, row-major) into `local`.
void extract_shard(const ParameterSpec& spec, const float* full, float* local);
// Puts this rank's part back into its place in a full tensor.
void insert_shard(const ParameterSpec& spec, const float* local, float* full);

class ParameterTable {
 public:
  struct Entry {
    ParameterSpec spec;
    size_t offset = 0;  // elements from the start of values() / grads()
  };

  // pad_to: the flat arrays are padded with zeros to a multiple of this
  // (a sharded optimizer splits them into equal parts).
  ParameterTable(MemoryTracker& tracker, std::vector<ParameterSpec> specs, size_t pad_to = 1);

  float* value(const std::string& name) { return values_.data() + find(name).offset; }
  float* grad(const std::string& name) { return grads_.data() + find(name).offset; }
  const Entry& find(const std::string& name) const;
  bool contains(const std::string& name) const { return index_.count(name) != 0; }

  const std::vector<Entry>& entries() const { return entries_; }
  float* values() { return values_.data(); }
  float* grads() { return grads_.data(); }
  size_t size() const { return size_; }                    // elements of the parameters
  size_t padded_size() const { return values_.size(); }    // with the padding
  void zero_grads();

 private:
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
  size_t size_ = 0;
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
