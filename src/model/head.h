#pragma once
#include <vector>

#include "core/memory.h"
#include "model/config.h"
#include "model/parallel_linear.h"
#include "model/parameters.h"
#include "model/tensor_parallel.h"
#include "model/unit.h"
#include "model/workspace.h"

namespace paratrain {

// logits = ln_f(x) @ lm_head^T; loss = cross-entropy. Forward also computes the
// logits' gradient (fused softmax cross-entropy) in place, so backward starts
// from it and no separate (rows, V) buffer is needed. Under tensor
// parallelism lm_head is vocabulary-parallel and so is the cross-entropy: the
// full logits are never gathered (Megatron-LM).
class Head : public Unit {
 public:
  Head(const ModelConfig& config, ParameterTable& params, Workspace& workspace,
       const TensorParallel& tp, MemoryTracker& tracker, int micro_batch, int slots);
  void forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
               float* out) override;
  void backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                float* d_out, float* d_in) override;
  // The split needs nothing kept: the slot already holds lm_head's input and
  // the logits' gradient.
  void backward_input(const StepContext& ctx, const MicroBatchView& batch, int slot,
                      const float* in, float* d_out, float* d_in) override;
  void backward_weight(const StepContext& ctx, const MicroBatchView& batch, int slot) override;

  // Sum of per-position losses of the forwards since the last reset (on
  // tensor-parallel rank 0; the other ranks of the group report 0).
  double loss_sum() const { return loss_sum_; }
  void reset_loss() { loss_sum_ = 0.0; }
  // If set, forward copies each micro-batch's full logits (samples, T, V) to
  // destination + first_sample * T * V (for verify; gathers under tp).
  void capture_logits(float* destination) { logits_capture_ = destination; }

 private:
  struct Saved {
    Buffer<float> normed;   // (local rows, D): ln_f output (fp32)
    Buffer<kernels::Bf16> normed_bf16;  // the same under bf16 autocast: it only feeds lm_head
    Buffer<float> mean;     // (local rows)
    Buffer<float> rstd;     // (local rows)
    Buffer<float> dlogits;  // (full rows, V / tp): logits, then their gradient
  };
  double cross_entropy(const StepContext& ctx, const MicroBatchView& batch, float* logits);
  void capture(const MicroBatchView& batch, const float* logits);
  // lm_head's saved input as fp32: kept so, or widened from bf16 into ws_.branch.
  const float* saved_normed(const Saved& s);
  bool bf16() const { return config_.precision == Precision::kBf16; }
  // ln_f's backward from d normed (in ws_.d_normed) to d_in.
  void layernorm_backward(const MicroBatchView& batch, Saved& s, const float* in, float* d_in);

  ModelConfig config_;
  TensorParallel tp_;
  int vocab_begin_, vocab_count_;
  int local_seq_;
  float *ln_w_, *ln_b_, *head_w_;
  float *dln_w_, *dln_b_, *dhead_w_;
  Workspace& ws_;
  ColumnParallelLinear lm_head_;  // (V / tp, D), no bias
  std::vector<Saved> saved_;
  double loss_sum_ = 0.0;
  float* logits_capture_ = nullptr;
  int64_t bf16_weights_step_ = -1;  // bf16 autocast: the step lm_head's bf16 copy was made for
};

}  // namespace paratrain
