#pragma once
// Sequence parallelism (Megatron-LM, Korthikanti et al. 2022): in the
// layernorm/dropout regions each tensor-parallel rank holds T / tp positions
// of every (samples, T, width) tensor; the tensor regions between them see the
// whole sequence. Megatron's region operations, each the other's dual:
//   scatter_to_sequence_region        forward: keep own positions  backward: all-gather
//   gather_from_sequence_region       forward: all-gather          backward: reduce-scatter
//   reduce_scatter_to_sequence_region forward: reduce-scatter      backward: all-gather
// The collectives move whole rank blocks (tp, samples, T / tp, width) while the
// model's rows are (samples, T), so the blocks are reordered through `staging`
// (tp * samples * T / tp * width floats).
#include "model/tensor_parallel.h"

namespace paratrain {

// A (samples, seq_len, width) tensor, split along seq_len over the group.
struct SequenceShape {
  int samples = 0;
  int seq_len = 0;  // the whole sequence, T
  int width = 0;
};

// full (samples, T, width) -> part (samples, T / tp, width): this rank's positions.
void scatter_to_sequence_region(const TensorParallel& tp, const float* full,
                                const SequenceShape& shape, float* part);
// part (samples, T / tp, width) on every rank -> full (samples, T, width).
void gather_from_sequence_region(const TensorParallel& tp, const float* part,
                                 const SequenceShape& shape, float* staging, float* full);
// full (samples, T, width), a partial sum on every rank -> part (samples, T / tp,
// width): this rank's positions of the group's sum.
void reduce_scatter_to_sequence_region(const TensorParallel& tp, const float* full,
                                       const SequenceShape& shape, float* staging, float* part);

}  // namespace paratrain
