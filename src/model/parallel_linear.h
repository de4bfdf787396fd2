#pragma once
// Megatron-LM's parallel linear layers. A column-parallel layer holds a slice
// of the output features: its input enters the tensor region (whole on every
// rank), its output stays sliced. A row-parallel layer holds a slice of the
// input features: each rank's output is a partial sum, which leaves the tensor
// region summed over the group. With sequence parallelism the region outside
// holds T / tp positions, so entering gathers the sequence and leaving
// reduce-scatters it (model/sequence_parallel.h); without it entering is the
// identity and leaving an all-reduce (model/tensor_parallel.h). The two
// boundaries below are the only places that choose between them.
//
// Rows: "full" (samples, T); "local" (samples, T / tp under sequence
// parallelism, else T). The scratch comes from the rank's Workspace: nothing
// in it outlives one call.
#include "core/memory.h"
#include "kernels/bf16.h"
#include "model/sequence_parallel.h"
#include "model/tensor_parallel.h"
#include "model/workspace.h"

namespace paratrain {

// Where a column-parallel layer's input enters the tensor region.
class TensorRegionEntry {
 public:
  TensorRegionEntry(const TensorParallel& tp, Workspace& workspace, int seq_len, int width);
  // local (local rows, width) -> the input every rank's GEMM reads (full rows, width).
  const float* forward(const float* local, int samples);
  // Where the GEMM writes its partial input gradient (full rows, width).
  float* partial_grad(float* d_local);
  // The group's sum of the partial gradients, as (local rows, width) in d_local.
  void backward(float* partial, int samples, float* d_local);

 private:
  SequenceShape shape(int samples) const { return {samples, seq_len_, width_}; }
  TensorParallel tp_;
  Workspace& ws_;
  int seq_len_, width_;
};

// Where a row-parallel layer's (or the vocabulary-parallel embedding's) partial
// output leaves the tensor region.
class TensorRegionExit {
 public:
  TensorRegionExit(const TensorParallel& tp, Workspace& workspace, int seq_len, int width);
  // Where the GEMM writes its partial output (full rows, width).
  float* partial(float* local);
  // The group's sum of the partial outputs, as (local rows, width) in local.
  void forward(float* partial, int samples, float* local);
  // d_local (local rows, width) -> the output gradient every rank's GEMM reads (full rows, width).
  const float* backward(const float* d_local, int samples);

 private:
  SequenceShape shape(int samples) const { return {samples, seq_len_, width_}; }
  TensorParallel tp_;
  Workspace& ws_;
  int seq_len_, width_;
};

// A PyTorch nn.Linear's weight (out, in) and bias (out, or null), as this rank holds them.
struct LinearWeights {
  const float* weight = nullptr;
  const float* bias = nullptr;
  float* d_weight = nullptr;  // gradients, accumulated
  float* d_bias = nullptr;
};

// The bf16 copy of a linear's weight under bf16 autocast (model/precision.h),
// in the parameters category: made once per optimizer step and read by every
// micro-batch's forward and backward. Empty (inactive) under fp32.
class Bf16Weight {
 public:
  Bf16Weight() = default;
  Bf16Weight(MemoryTracker& tracker, const float* weight, size_t count);
  bool active() const { return copy_.size() != 0; }
  // Rounds the fp32 weight into the copy (round to nearest even).
  void refresh();
  const kernels::Bf16* data() const { return copy_.data(); }

 private:
  const float* weight_ = nullptr;
  Buffer<kernels::Bf16> copy_;
};

// y = x W^T + b with W's rows (output features) split over the group.
class ColumnParallelLinear {
 public:
  // in: input features (whole); out: this rank's output features.
  ColumnParallelLinear(const TensorParallel& tp, Workspace& workspace, LinearWeights weights,
                       int seq_len, int in, int out);
  // x_local (local rows, in) -> y (full rows, out).
  void forward(const float* x_local, int samples, float* y);
  // dy (full rows, out), x_local as in forward -> dx_local (local rows, in), overwritten.
  void backward(const float* dy, const float* x_local, int samples, float* dx_local);
  // backward in two halves (zero-bubble schedules): dx_local now, the weight and
  // bias gradients later from the same dy and x_local. Under sequence
  // parallelism backward_weight gathers x again, a collective: every rank of
  // the group runs it at the same point of its list. Under bf16 each half
  // rounds its products' inputs as backward does.
  void backward_input(const float* dy, int samples, float* dx_local);
  void backward_weight(const float* dy, const float* x_local, int samples);

  // bf16 autocast from now on: the input is rounded to bf16 (the workspace's
  // bf16_input) for each product, the weight read from its bf16 copy.
  void enable_bf16(MemoryTracker& tracker);
  void refresh_bf16_weight() { weight_bf16_.refresh(); }

 private:
  void forward_bf16(const float* x, int samples, float* y);
  void backward_bf16(const float* dy, const float* x, int samples, float* dx);
  TensorRegionEntry entry_;
  Workspace& ws_;
  LinearWeights w_;
  Bf16Weight weight_bf16_;
  int seq_len_, in_, out_;
};

// y = x W^T + b with W's columns (input features) split over the group; b is whole.
class RowParallelLinear {
 public:
  // in: this rank's input features; out: output features (whole).
  RowParallelLinear(const TensorParallel& tp, Workspace& workspace, LinearWeights weights,
                    int seq_len, int in, int out);
  // x (full rows, in) -> y_local (local rows, out).
  void forward(const float* x, int samples, float* y_local);
  // dy_local (local rows, out), x as in forward -> dx (full rows, in), overwritten.
  void backward(const float* dy_local, const float* x, int samples, float* dx);
  // backward in two halves, as ColumnParallelLinear's (dy gathered again
  // under sequence parallelism).
  void backward_input(const float* dy_local, int samples, float* dx);
  void backward_weight(const float* dy_local, const float* x, int samples);

  // bf16 autocast: the input arrives (and is saved by the caller) in bf16.
  void enable_bf16(MemoryTracker& tracker);
  void refresh_bf16_weight() { weight_bf16_.refresh(); }
  void forward(const kernels::Bf16* x, int samples, float* y_local);
  void backward(const float* dy_local, const kernels::Bf16* x, int samples, float* dx);
  // The weight half of a split backward under bf16 (backward_input serves both precisions).
  void backward_weight(const float* dy_local, const kernels::Bf16* x, int samples);

 private:
  TensorRegionExit exit_;
  Workspace& ws_;
  LinearWeights w_;
  Bf16Weight weight_bf16_;
  int seq_len_, local_seq_, in_, out_;
};

}  // namespace paratrain
