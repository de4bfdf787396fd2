#include "model/embed.h"

#include "kernels/dropout.h"
#include "kernels/embedding.h"

namespace paratrain {

Embed::Embed(const ModelConfig& config, ParameterTable& params, Workspace& workspace,
             const TensorParallel& tp)
    : config_(config),
      tp_(tp),
      lookup_exit_(tp, workspace, config.seq_len, config.d_model),
      vocab_begin_(static_cast<int>(params.find("tok_emb.weight").spec.shard.rows[0].first)),
      vocab_count_(static_cast<int>(params.find("tok_emb.weight").spec.shape[0])),
      local_seq_(tp.local_seq_len(config.seq_len)),
      first_position_(tp.first_position(config.seq_len)),
      tok_emb_(params.value("tok_emb.weight")),
      pos_emb_(params.value("pos_emb.weight")),
      dtok_emb_(params.grad("tok_emb.weight")),
      dpos_emb_(params.grad("pos_emb.weight")) {}

void Embed::dropout(const StepContext& ctx, const MicroBatchView& batch, float* data) const {
  const kernels::DropoutKey key{ctx.seed, ctx.step, 0, kernels::DropoutSite::kEmbedding, ctx.dropout};
  kernels::dropout_rows(key, batch.first_sample, batch.samples,
                        static_cast<uint32_t>(first_position_), local_seq_, 0, config_.d_model,
                        data);
}

void Embed::forward(const StepContext& ctx, const MicroBatchView& batch, int /*slot*/,
                    const float* /*in*/, float* out) {
  const int d = config_.d_model, full_rows = batch.samples * config_.seq_len;
  if (!tp_.active()) {
    kernels::embedding_forward(batch.tokens, tok_emb_, pos_emb_, batch.samples, config_.seq_len,
                               d, out);
  } else {
    // Each rank looks up the ids it holds; the group's sum is the full lookup.
    float* lookup = lookup_exit_.partial(out);
    kernels::embedding_lookup_shard(batch.tokens, tok_emb_, vocab_begin_, vocab_count_, full_rows,
                                    d, lookup);
    lookup_exit_.forward(lookup, batch.samples, out);
    kernels::add_positions(pos_emb_, first_position_, batch.samples, local_seq_, d, out);
  }
  dropout(ctx, batch, out);
}

void Embed::backward(const StepContext& ctx, const MicroBatchView& batch, int /*slot*/,
                     const float* /*in*/, float* d_out, float* /*d_in*/) {
  const int d = config_.d_model, full_rows = batch.samples * config_.seq_len;
  dropout(ctx, batch, d_out);  // d_out is ours to overwrite: the mask in place
  if (!tp_.active()) {
    kernels::embedding_backward(batch.tokens, d_out, batch.samples, config_.seq_len, d, dtok_emb_,
                                dpos_emb_);
    return;
  }
  kernels::add_positions_backward(d_out, first_position_, batch.samples, local_seq_, d, dpos_emb_);
  const float* d_full = lookup_exit_.backward(d_out, batch.samples);
  kernels::embedding_lookup_shard_backward(batch.tokens, d_full, vocab_begin_, vocab_count_,
                                           full_rows, d, dtok_emb_);
}

}  // namespace paratrain
