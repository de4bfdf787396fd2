#include "model/block.h"

#include <cstring>

#include "kernels/attention.h"
#include "kernels/dropout.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"

namespace paratrain {

namespace {

kernels::DropoutKey block_dropout(const StepContext& ctx, int block_index, kernels::DropoutSite site) {
  return {ctx.seed, ctx.step, static_cast<uint32_t>(block_index + 1), site, ctx.dropout};
}

void add_into(const float* a, const float* b, size_t count, float* out) {
#pragma omp simd
  for (size_t idx = 0; idx < count; ++idx) out[idx] = a[idx] + b[idx];
}

}  // namespace

Block::Weights Block::bind(ParameterTable& params, const std::string& prefix, bool grads) {
  auto get = [&](const char* name) {
    return grads ? params.grad(prefix + name) : params.value(prefix + name);
  };
  return {get("ln1.weight"),       get("ln1.bias"),       get("attn.qkv.weight"),
          get("attn.qkv.bias"),    get("attn.proj.weight"), get("attn.proj.bias"),
          get("ln2.weight"),       get("ln2.bias"),       get("mlp.fc1.weight"),
          get("mlp.fc1.bias"),     get("mlp.fc2.weight"), get("mlp.fc2.bias")};
}

Block::Block(const ModelConfig& config, int block_index, ParameterTable& params,
             Workspace& workspace, MemoryTracker& tracker, int micro_batch, int slots)
    : config_(config),
      block_index_(block_index),
      w_(bind(params, "blocks." + std::to_string(block_index) + ".", false)),
      dw_(bind(params, "blocks." + std::to_string(block_index) + ".", true)),
      ws_(workspace) {
  const size_t rows = static_cast<size_t>(micro_batch) * config.seq_len;
  const size_t d = config.d_model, f = config.ffn_width(), seq = config.seq_len;
  const auto act = MemoryCategory::kActivations;
  saved_.resize(slots);
  for (auto& s : saved_) {
    s.ln1_out = Buffer<float>(tracker, act, rows * d);
    s.ln1_mean = Buffer<float>(tracker, act, rows);
    s.ln1_rstd = Buffer<float>(tracker, act, rows);
    s.qkv = Buffer<float>(tracker, act, rows * 3 * d);
    s.probs = Buffer<float>(tracker, act, static_cast<size_t>(micro_batch) * config.n_heads * seq * seq);
    s.heads = Buffer<float>(tracker, act, rows * d);
    s.x_mid = Buffer<float>(tracker, act, rows * d);
    s.ln2_out = Buffer<float>(tracker, act, rows * d);
    s.ln2_mean = Buffer<float>(tracker, act, rows);
    s.ln2_rstd = Buffer<float>(tracker, act, rows);
    s.hidden = Buffer<float>(tracker, act, rows * f);
    s.activated = Buffer<float>(tracker, act, rows * f);
  }
}

void Block::forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                    float* out) {
  Saved& s = saved_[slot];
  const int rows = batch.samples * config_.seq_len;
  const int d = config_.d_model, f = config_.ffn_width(), seq = config_.seq_len;
  const size_t stream_size = static_cast<size_t>(rows) * d;
  float* branch = ws_.branch.data();

  kernels::layernorm_forward(in, w_.ln1_w, w_.ln1_b, rows, d, s.ln1_out.data(), s.ln1_mean.data(),
                             s.ln1_rstd.data());
  kernels::linear_forward(s.ln1_out.data(), w_.qkv_w, w_.qkv_b, rows, d, 3 * d, s.qkv.data());
  const kernels::AttentionShape shape{batch.samples, seq, config_.n_heads, config_.head_dim(), 0};
  kernels::attention_forward(s.qkv.data(), shape,
                             block_dropout(ctx, block_index_, kernels::DropoutSite::kAttentionProbs),
                             batch.first_sample, s.probs.data(), ws_.attention.data(),
                             s.heads.data());
  kernels::linear_forward(s.heads.data(), w_.proj_w, w_.proj_b, rows, d, d, branch);
  kernels::dropout_rows(block_dropout(ctx, block_index_, kernels::DropoutSite::kAttentionResidual),
                        batch.first_sample, batch.samples, 0, seq, 0, d, branch);
  add_into(in, branch, stream_size, s.x_mid.data());

  kernels::layernorm_forward(s.x_mid.data(), w_.ln2_w, w_.ln2_b, rows, d, s.ln2_out.data(),
                             s.ln2_mean.data(), s.ln2_rstd.data());
  kernels::linear_forward(s.ln2_out.data(), w_.fc1_w, w_.fc1_b, rows, d, f, s.hidden.data());
  kernels::gelu_forward(s.hidden.data(), static_cast<size_t>(rows) * f, s.activated.data());
  kernels::linear_forward(s.activated.data(), w_.fc2_w, w_.fc2_b, rows, f, d, branch);
  kernels::dropout_rows(block_dropout(ctx, block_index_, kernels::DropoutSite::kMlpResidual),
                        batch.first_sample, batch.samples, 0, seq, 0, d, branch);
  add_into(s.x_mid.data(), branch, stream_size, out);
}

void Block::backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                     float* d_out, float* d_in) {
  Saved& s = saved_[slot];
  const int rows = batch.samples * config_.seq_len;
  const int d = config_.d_model, f = config_.ffn_width(), seq = config_.seq_len;
  const size_t stream_size = static_cast<size_t>(rows) * d;
  float* branch = ws_.branch.data();

  // MLP branch: d_out -> dropout -> fc2 -> gelu -> fc1 -> ln2, plus the residual.
  std::memcpy(branch, d_out, sizeof(float) * stream_size);
  kernels::dropout_rows(block_dropout(ctx, block_index_, kernels::DropoutSite::kMlpResidual),
                        batch.first_sample, batch.samples, 0, seq, 0, d, branch);
  kernels::linear_backward(branch, s.activated.data(), w_.fc2_w, rows, f, d, ws_.d_hidden.data(),
                           false, dw_.fc2_w, dw_.fc2_b);
  kernels::gelu_backward(ws_.d_hidden.data(), s.hidden.data(), static_cast<size_t>(rows) * f,
                         ws_.d_hidden.data());
  kernels::linear_backward(ws_.d_hidden.data(), s.ln2_out.data(), w_.fc1_w, rows, d, f,
                           ws_.d_normed.data(), false, dw_.fc1_w, dw_.fc1_b);
  std::memcpy(d_in, d_out, sizeof(float) * stream_size);  // d_in holds d x_mid from here
  kernels::layernorm_backward(ws_.d_normed.data(), s.x_mid.data(), s.ln2_mean.data(),
                              s.ln2_rstd.data(), w_.ln2_w, rows, d, d_in, dw_.ln2_w, dw_.ln2_b);

  // Attention branch: d x_mid -> dropout -> proj -> attention -> qkv -> ln1, plus the residual.
  std::memcpy(branch, d_in, sizeof(float) * stream_size);
  kernels::dropout_rows(block_dropout(ctx, block_index_, kernels::DropoutSite::kAttentionResidual),
                        batch.first_sample, batch.samples, 0, seq, 0, d, branch);
  kernels::linear_backward(branch, s.heads.data(), w_.proj_w, rows, d, d, ws_.d_attention.data(),
                           false, dw_.proj_w, dw_.proj_b);
  const kernels::AttentionShape shape{batch.samples, seq, config_.n_heads, config_.head_dim(), 0};
  kernels::attention_backward(ws_.d_attention.data(), s.qkv.data(), s.probs.data(), shape,
                              block_dropout(ctx, block_index_, kernels::DropoutSite::kAttentionProbs),
                              batch.first_sample, ws_.attention.data(), ws_.d_qkv.data());
  kernels::linear_backward(ws_.d_qkv.data(), s.ln1_out.data(), w_.qkv_w, rows, d, 3 * d,
                           ws_.d_normed.data(), false, dw_.qkv_w, dw_.qkv_b);
  kernels::layernorm_backward(ws_.d_normed.data(), in, s.ln1_mean.data(), s.ln1_rstd.data(),
                              w_.ln1_w, rows, d, d_in, dw_.ln1_w, dw_.ln1_b);
}

}  // namespace paratrain
