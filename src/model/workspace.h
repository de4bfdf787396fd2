#pragma once
// Scratch buffers shared by all units of a rank: nothing in them outlives one
// unit's forward or backward call, so one set serves every unit and slot.
// "full" rows are (samples, T); "local" rows are the part of the sequence this
// rank holds in the layernorm/dropout regions (all of it without sequence
// parallelism). Widths are this rank's tensor-parallel shares.
#include "core/memory.h"
#include "model/config.h"
#include "model/tensor_parallel.h"

namespace paratrain {

struct Workspace {
  Workspace(MemoryTracker& tracker, const ModelConfig& config, int micro_batch,
            const TensorParallel& tp);

  Buffer<float> branch;          // (local rows, D): a residual branch's output or gradient
  Buffer<float> branch_full;     // (full rows, D): the same before reduce-scatter / after gather
  Buffer<float> d_normed;        // (local rows, D): d loss / d LayerNorm output
  Buffer<float> d_normed_full;   // (full rows, D): the same, a partial sum over the group
  Buffer<float> gathered;        // (full rows, D): a LayerNorm output gathered over the sequence
  Buffer<float> staging;         // (full rows, max(D, V / tp)): reordering for the collectives
  Buffer<float> d_attention;     // (full rows, D / tp): d loss / d merged attention heads
  Buffer<float> d_qkv;           // (full rows, 3 D / tp)
  Buffer<float> d_hidden;        // (full rows, F D / tp)
  Buffer<float> attention;       // (2, T, T): attention kernels' scratch
  Buffer<float> row_stats;       // (3, full rows): vocabulary-parallel cross-entropy
};

}  // namespace paratrain
