#pragma once
// Scratch buffers shared by all units of a rank: nothing in them outlives one
// unit's forward or backward call, so one set serves every unit and slot.
// "full" rows are (samples, T); "local" rows are the part of the sequence this
// rank holds in the layernorm/dropout regions (all of it without sequence
// parallelism). Widths are this rank's tensor-parallel shares.
#include <memory>

#include "core/memory.h"
#include "kernels/bf16.h"
#include "model/block_activations.h"
#include "model/config.h"
#include "model/tensor_parallel.h"

namespace paratrain {

struct Workspace {
  Workspace(MemoryTracker& tracker, const ModelConfig& config, int micro_batch,
            const TensorParallel& tp);

  Buffer<float> branch;          // (local rows, D): a residual branch's output or gradient
  Buffer<float> d_normed;        // (local rows, D): d loss / d LayerNorm output
  Buffer<float> d_attention;     // (full rows, D / tp): d loss / d merged attention heads
  Buffer<float> d_qkv;           // (full rows, 3 D / tp)
  Buffer<float> d_hidden;        // (full rows, F D / tp)
  Buffer<float> attention;       // attention_scratch_planes (T, T): attention kernels' scratch
  Buffer<float> row_stats;       // (3, full rows): vocabulary-parallel cross-entropy
  // Sequence parallelism only (model/parallel_linear.h's region boundaries):
  Buffer<float> sequence_gathered;  // (full rows, D): a local-region tensor gathered over the sequence
  Buffer<float> sequence_partial;   // (full rows, D): a partial sum over the group, before its reduce-scatter
  Buffer<float> sequence_staging;   // (tp, local rows, D): the collectives' rank blocks
  // bf16 autocast only (model/precision.h): a linear's input and output
  // gradient rounded to bf16 for its products.
  Buffer<kernels::Bf16> bf16_input;  // (full rows, D)
  Buffer<kernels::Bf16> bf16_grad;   // (full rows, widest output: 3 D / tp, F D / tp, V / tp or D)
  // bf16 autocast: q k v are kept in bf16 and widened back for attention's
  // backward; where d_hidden (free then) is too small (F < 3), this buffer.
  Buffer<float> qkv_widened;  // (full rows, 3 D / tp), or empty
  float* qkv_scratch(size_t count) {
    return qkv_widened.size() >= count ? qkv_widened.data() : d_hidden.data();
  }
  // Selective recompute: GELU's output, recomputed from its saved input in
  // backward for fc2's weight gradient (fp32, or its bf16 rounding).
  Buffer<float> activated;              // (full rows, F D / tp), fp32 selective only
  Buffer<kernels::Bf16> activated_bf16;  // (full rows, F D / tp), bf16 selective only
  // Full recompute only: the one saved set all blocks of the rank share, each
  // refilling it in its backward (activations category; made by the first block).
  std::unique_ptr<BlockActivations> recompute_saved;
};

}  // namespace paratrain
