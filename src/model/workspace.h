#pragma once
// Scratch buffers shared by all units of a rank: nothing in them outlives one
// unit's forward or backward call, so one set serves every unit and slot.
#include "core/memory.h"
#include "model/config.h"

namespace paratrain {

struct Workspace {
  Workspace(MemoryTracker& tracker, const ModelConfig& config, int micro_batch);

  Buffer<float> branch;        // (rows, D): a residual branch's output or its gradient
  Buffer<float> d_normed;      // (rows, D): d loss / d LayerNorm output
  Buffer<float> d_attention;   // (rows, D): d loss / d merged attention heads
  Buffer<float> d_qkv;         // (rows, 3D)
  Buffer<float> d_hidden;      // (rows, F D)
  Buffer<float> attention;     // (2, T, T): attention kernels' scratch
};

}  // namespace paratrain
