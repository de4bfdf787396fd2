#pragma once
#include <vector>

#include "core/memory.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/unit.h"
#include "model/workspace.h"

namespace paratrain {

// One pre-LayerNorm Transformer block (MODEL.md):
//   x = x + dropout(proj(attention(ln1(x))));  x = x + dropout(fc2(gelu(fc1(ln2(x)))))
class Block : public Unit {
 public:
  Block(const ModelConfig& config, int block_index, ParameterTable& params, Workspace& workspace,
        MemoryTracker& tracker, int micro_batch, int slots);
  void forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
               float* out) override;
  void backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                float* d_out, float* d_in) override;

 private:
  // What forward saves for backward, per in-flight micro-batch. rows = samples * T.
  struct Saved {
    Buffer<float> ln1_out;   // (rows, D)
    Buffer<float> ln1_mean;  // (rows)
    Buffer<float> ln1_rstd;  // (rows)
    Buffer<float> qkv;       // (rows, 3D)
    Buffer<float> probs;     // (samples, H, T, T): softmax before dropout
    Buffer<float> heads;     // (rows, D): attention output, heads merged
    Buffer<float> x_mid;     // (rows, D): residual stream after attention
    Buffer<float> ln2_out;   // (rows, D)
    Buffer<float> ln2_mean;  // (rows)
    Buffer<float> ln2_rstd;  // (rows)
    Buffer<float> hidden;    // (rows, F D): fc1 output, before GELU
    Buffer<float> activated; // (rows, F D): GELU output
  };
  struct Weights {
    float *ln1_w, *ln1_b, *qkv_w, *qkv_b, *proj_w, *proj_b, *ln2_w, *ln2_b, *fc1_w, *fc1_b,
        *fc2_w, *fc2_b;
  };
  static Weights bind(ParameterTable& params, const std::string& prefix, bool grads);

  ModelConfig config_;
  int block_index_;
  Weights w_;   // parameter values
  Weights dw_;  // their gradients
  Workspace& ws_;
  std::vector<Saved> saved_;
};

}  // namespace paratrain
