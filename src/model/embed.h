#pragma once
#include "model/config.h"
#include "model/parallel_linear.h"
#include "model/parameters.h"
#include "model/tensor_parallel.h"
#include "model/unit.h"
#include "model/workspace.h"

namespace paratrain {

// x = dropout(tok_emb[idx] + pos_emb[0..T-1]). Saves nothing: the dropout mask
// is recomputed from its key in backward. Under tensor parallelism the
// embedding is vocabulary-parallel (each rank holds V / tp rows of tok_emb and
// the group sums the lookups); with sequence parallelism the output holds
// this rank's positions only.
class Embed : public Unit {
 public:
  Embed(const ModelConfig& config, ParameterTable& params, Workspace& workspace,
        const TensorParallel& tp);
  void forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
               float* out) override;
  void backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                float* d_out, float* d_in) override;

 private:
  void dropout(const StepContext& ctx, const MicroBatchView& batch, float* data) const;

  ModelConfig config_;
  TensorParallel tp_;
  TensorRegionExit lookup_exit_;  // the group's sum of the ranks' lookups
  int vocab_begin_, vocab_count_;  // the ids whose rows this rank holds
  int local_seq_, first_position_;
  float* tok_emb_;   // (V / tp, D)
  float* pos_emb_;   // (T, D)
  float* dtok_emb_;  // (V / tp, D)
  float* dpos_emb_;  // (T, D)
};

}  // namespace paratrain
