#pragma once
#include "model/config.h"
#include "model/parameters.h"
#include "model/unit.h"

namespace paratrain {

// x = dropout(tok_emb[idx] + pos_emb[0..T-1]). Saves nothing: the dropout mask
// is recomputed from its key in backward.
class Embed : public Unit {
 public:
  Embed(const ModelConfig& config, ParameterTable& params);
  void forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
               float* out) override;
  void backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                float* d_out, float* d_in) override;

 private:
  ModelConfig config_;
  float* tok_emb_;   // (V, D)
  float* pos_emb_;   // (T, D)
  float* dtok_emb_;  // (V, D)
  float* dpos_emb_;  // (T, D)
};

}  // namespace paratrain
