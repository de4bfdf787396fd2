#pragma once
// What a Block's forward saves for its backward, per in-flight micro-batch
// (model/block.h). Its own header so that the Workspace can hold the one set
// that full recomputation shares among all blocks of a rank.
#include "core/memory.h"
#include "kernels/bf16.h"

namespace paratrain {

// local rows: (samples, T / tp under sequence parallelism, else T); full rows: (samples, T).
struct BlockActivations {
  // layernorm/dropout regions
  Buffer<float> ln1_out;    // (local rows, D)
  Buffer<float> ln1_mean;   // (local rows)
  Buffer<float> ln1_rstd;   // (local rows)
  Buffer<float> x_mid;      // (local rows, D): residual stream after attention
  Buffer<float> ln2_out;    // (local rows, D)
  Buffer<float> ln2_mean;   // (local rows)
  Buffer<float> ln2_rstd;   // (local rows)
  // tensor-parallel regions
  Buffer<float> qkv;        // (full rows, 3 D / tp)
  Buffer<float> probs;      // (samples, H / tp, T, T): softmax before dropout; not under selective recompute
  Buffer<float> heads;      // (full rows, D / tp): attention output, heads merged (fp32)
  Buffer<float> hidden;     // (full rows, F D / tp): fc1 output, before GELU
  Buffer<float> activated;  // (full rows, F D / tp): GELU output (fp32); not under selective recompute
  // bf16 autocast: what only feeds a matmul is kept in bf16 instead of the
  // fp32 buffer above: both layernorms' outputs, q k v, the attention output
  // and GELU's (the layernorms' backward reads their inputs, not outputs).
  Buffer<kernels::Bf16> ln1_out_bf16;    // (local rows, D)
  Buffer<kernels::Bf16> ln2_out_bf16;    // (local rows, D)
  Buffer<kernels::Bf16> qkv_bf16;        // (full rows, 3 D / tp)
  Buffer<kernels::Bf16> heads_bf16;      // (full rows, D / tp)
  Buffer<kernels::Bf16> activated_bf16;  // (full rows, F D / tp); not under selective recompute
};

}  // namespace paratrain
