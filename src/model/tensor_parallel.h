#pragma once
// What a tensor-parallel unit needs from its group (Megatron-LM's slicing):
// the collectives, behind an interface so that the model layer does not
// depend on the communication layer; parallel/ implements it over MPI and
// records each call on the rank's timeline.
#include <cstddef>

#include "model/parameters.h"

namespace paratrain {

class TensorParallelGroup {
 public:
  virtual ~TensorParallelGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void all_reduce_sum(float* data, size_t count) = 0;
  virtual void all_reduce_max(float* data, size_t count) = 0;
  // out = the ranks' `in` blocks one after another: (size, count_per_rank).
  virtual void all_gather(const float* in, float* out, size_t count_per_rank) = 0;
  // out = block `rank` of the sum over ranks of `in` (size, count_per_rank).
  virtual void reduce_scatter_sum(const float* in, float* out, size_t count_per_rank) = 0;
};

// A unit's view of tensor parallelism. Without a group, everything is local.
struct TensorParallel {
  TensorParallelGroup* group = nullptr;
  bool sequence_parallel = false;

  int rank() const { return group ? group->rank() : 0; }
  int size() const { return group ? group->size() : 1; }
  bool active() const { return size() > 1; }
  bool splits_sequence() const { return active() && sequence_parallel; }
  TensorSlice slice() const { return {rank(), size(), sequence_parallel}; }
  // Positions of the sequence this rank holds in the layernorm/dropout regions.
  int local_seq_len(int seq_len) const { return splits_sequence() ? seq_len / size() : seq_len; }
  int first_position(int seq_len) const { return splits_sequence() ? rank() * (seq_len / size()) : 0; }

  // Sum of the ranks' partial results, in place (Megatron's g in forward, f in backward).
  void all_reduce(float* data, size_t count) const;
  // Sequence parallelism: the full (samples, T, width) tensor from each rank's
  // (samples, T / size, width) part, and the reverse with a sum over ranks.
  // `staging` holds (samples, T, width).
  void gather_sequence(const float* part, int samples, int seq_len, int width, float* staging,
                       float* full) const;
  void reduce_scatter_sequence(const float* full, int samples, int seq_len, int width,
                               float* staging, float* part) const;
};

}  // namespace paratrain
