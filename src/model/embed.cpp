#include "model/embed.h"

#include "kernels/dropout.h"
#include "kernels/embedding.h"

namespace paratrain {

namespace {

kernels::DropoutKey embedding_dropout(const StepContext& ctx) {
  return {ctx.seed, ctx.step, 0, kernels::DropoutSite::kEmbedding, ctx.dropout};
}

}  // namespace

Embed::Embed(const ModelConfig& config, ParameterTable& params)
    : config_(config),
      tok_emb_(params.value("tok_emb.weight")),
      pos_emb_(params.value("pos_emb.weight")),
      dtok_emb_(params.grad("tok_emb.weight")),
      dpos_emb_(params.grad("pos_emb.weight")) {}

void Embed::forward(const StepContext& ctx, const MicroBatchView& batch, int /*slot*/,
                    const float* /*in*/, float* out) {
  kernels::embedding_forward(batch.tokens, tok_emb_, pos_emb_, batch.samples, config_.seq_len,
                             config_.d_model, out);
  kernels::dropout_rows(embedding_dropout(ctx), batch.first_sample, batch.samples, 0,
                        config_.seq_len, 0, config_.d_model, out);
}

void Embed::backward(const StepContext& ctx, const MicroBatchView& batch, int /*slot*/,
                     const float* /*in*/, float* d_out, float* /*d_in*/) {
  // d_out is ours to overwrite: apply the mask in place.
  kernels::dropout_rows(embedding_dropout(ctx), batch.first_sample, batch.samples, 0,
                        config_.seq_len, 0, config_.d_model, d_out);
  kernels::embedding_backward(batch.tokens, d_out, batch.samples, config_.seq_len, config_.d_model,
                              dtok_emb_, dpos_emb_);
}

}  // namespace paratrain
