#pragma once
#include <vector>

#include "core/memory.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/unit.h"
#include "model/workspace.h"

namespace paratrain {

// logits = ln_f(x) @ lm_head^T; loss = cross-entropy. Forward also computes the
// logits' gradient (fused softmax cross-entropy) in place, so backward starts
// from it and no separate (rows, V) buffer is needed.
class Head : public Unit {
 public:
  Head(const ModelConfig& config, ParameterTable& params, Workspace& workspace,
       MemoryTracker& tracker, int micro_batch, int slots);
  void forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
               float* out) override;
  void backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                float* d_out, float* d_in) override;

  // Sum of per-position losses of the forwards since the last reset.
  double loss_sum() const { return loss_sum_; }
  void reset_loss() { loss_sum_ = 0.0; }
  // If set, forward copies each micro-batch's logits (samples, T, V) to
  // destination + first_sample * T * V (for verify).
  void capture_logits(float* destination) { logits_capture_ = destination; }

 private:
  struct Saved {
    Buffer<float> normed;  // (rows, D): ln_f output
    Buffer<float> mean;    // (rows)
    Buffer<float> rstd;    // (rows)
    Buffer<float> dlogits; // (rows, V): logits, then their gradient
  };
  ModelConfig config_;
  float *ln_w_, *ln_b_, *head_w_;
  float *dln_w_, *dln_b_, *dhead_w_;
  Workspace& ws_;
  std::vector<Saved> saved_;
  double loss_sum_ = 0.0;
  float* logits_capture_ = nullptr;
};

}  // namespace paratrain
