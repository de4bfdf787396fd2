#pragma once
// A unit of the model chain (DESIGN.md principle 1): Embed, Block i, Head.
// A unit runs forward and backward on one micro-batch at a time. What it saves
// for backward lives in one of its activation slots; a schedule with k
// micro-batches in flight on a rank gives each unit k slots.
#include <cstdint>

namespace paratrain {

class MemoryTracker;

// What every unit needs to know about the optimizer step being run.
struct StepContext {
  uint32_t seed = 0;        // run seed: keys the dropout masks
  uint32_t step = 0;        // optimizer step index: keys the dropout masks
  float dropout = 0.0f;
  float loss_scale = 1.0f;  // d loss / d (per-position loss): 1 / (global B * T)
};

// One micro-batch: `samples` consecutive samples of the step's global batch,
// starting at global sample index `first_sample` (keys the dropout masks).
struct MicroBatchView {
  const int32_t* tokens = nullptr;   // (samples, T)
  const int32_t* targets = nullptr;  // (samples, T)
  uint32_t first_sample = 0;
  int samples = 0;
};

class Unit {
 public:
  virtual ~Unit() = default;
  // in: (samples, T, D), null for Embed. out: (samples, T, D), null for Head.
  virtual void forward(const StepContext& ctx, const MicroBatchView& batch, int slot,
                       const float* in, float* out) = 0;
  // in: the forward's input, again. d_out: d loss / d out (null for Head).
  // d_in: d loss / d in, overwritten (null for Embed). Parameter gradients accumulate.
  virtual void backward(const StepContext& ctx, const MicroBatchView& batch, int slot,
                        const float* in, float* d_out, float* d_in) = 0;

  // backward in two halves, for schedules that run the weight gradients later
  // (zero-bubble, parallel/schedule_zero_bubble.h). backward_input computes
  // d_in, and the gradients that come cheaply with it (layernorms'); it keeps
  // what the rest needs, so the slot must stay in flight until
  // backward_weight(slot) accumulates the linear layers' weight and bias
  // gradients. Together they do what backward does. allow_split_backward
  // allocates what is kept between the halves, once, before the first step.
  // A unit that does not split does all its backward in backward_input.
  virtual void allow_split_backward(MemoryTracker& /*tracker*/) {}
  virtual void backward_input(const StepContext& ctx, const MicroBatchView& batch, int slot,
                              const float* in, float* d_out, float* d_in) {
    backward(ctx, batch, slot, in, d_out, d_in);
  }
  virtual void backward_weight(const StepContext& /*ctx*/, const MicroBatchView& /*batch*/,
                               int /*slot*/) {}
};

}  // namespace paratrain
