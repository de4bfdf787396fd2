#pragma once
// Tensor parallelism as the units see it (Megatron-LM's slicing): the group's
// collectives behind an interface (so that the model layer does not depend on
// the communication layer; parallel/ implements it over MPI and records each
// call on the rank's timeline), the rank's view of its group, and Megatron's
// two tensor-region operations:
//   copy_to_tensor_region     forward: identity       backward: all-reduce
//   reduce_from_tensor_region forward: all-reduce     backward: identity
// Their sequence-parallel counterparts live in model/sequence_parallel.h; the
// linear layers that use either are in model/parallel_linear.h.
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

// A unit's view of tensor parallelism. Without a group (or a group of one),
// everything is local.
struct TensorParallel {
  TensorParallelGroup* group = nullptr;
  bool sequence_parallel = false;

  int rank() const { return group ? group->rank() : 0; }
  int size() const { return group ? group->size() : 1; }
  bool active() const { return size() > 1; }
  bool splits_sequence() const { return active() && sequence_parallel; }
  TensorSlice slice() const { return {rank(), size(), splits_sequence()}; }
  // Positions of the sequence this rank holds in the layernorm/dropout regions.
  int local_seq_len(int seq_len) const { return splits_sequence() ? seq_len / size() : seq_len; }
  int first_position(int seq_len) const { return splits_sequence() ? rank() * (seq_len / size()) : 0; }
};

// f: the input of a column-parallel layer is used whole by every rank, so in
// backward the ranks' partial input gradients are summed (in place).
void copy_to_tensor_region_backward(const TensorParallel& tp, float* grad, size_t count);
// g: the output of a row-parallel layer is the sum of the ranks' partial
// results (in place); its backward is the identity.
void reduce_from_tensor_region(const TensorParallel& tp, float* data, size_t count);

}  // namespace paratrain
