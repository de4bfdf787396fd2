#include "model/block.h"

#include <cstring>

#include "kernels/attention.h"
#include "kernels/dropout.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"

namespace paratrain {

namespace {

using kernels::DropoutSite;

void add_into(const float* a, const float* b, size_t count, float* out) {
#pragma omp simd
  for (size_t idx = 0; idx < count; ++idx) out[idx] = a[idx] + b[idx];
}

void add_bias(const float* bias, size_t rows, int width, float* data) {
  for (size_t row = 0; row < rows; ++row) {
    float* y = data + row * width;
#pragma omp simd
    for (int col = 0; col < width; ++col) y[col] += bias[col];
  }
}

void bias_gradient(const float* dy, size_t rows, int width, float* dbias) {
  for (size_t row = 0; row < rows; ++row) {
    const float* dy_row = dy + row * width;
#pragma omp simd
    for (int col = 0; col < width; ++col) dbias[col] += dy_row[col];
  }
}

size_t bytes_of(std::initializer_list<const Buffer<float>*> buffers) {
  size_t total = 0;
  for (const auto* buffer : buffers) total += buffer->size() * sizeof(float);
  return total;
}

}  // namespace

Block::Weights Block::bind(ParameterTable& params, const std::string& prefix, bool grads) {
  auto get = [&](const char* name) {
    return grads ? params.grad(prefix + name) : params.value(prefix + name);
  };
  return {get("ln1.weight"),       get("ln1.bias"),         get("attn.qkv.weight"),
          get("attn.qkv.bias"),    get("attn.proj.weight"), get("attn.proj.bias"),
          get("ln2.weight"),       get("ln2.bias"),         get("mlp.fc1.weight"),
          get("mlp.fc1.bias"),     get("mlp.fc2.weight"),   get("mlp.fc2.bias")};
}

Block::Block(const ModelConfig& config, int block_index, ParameterTable& params,
             Workspace& workspace, const TensorParallel& tp, MemoryTracker& tracker,
             int micro_batch, int slots)
    : config_(config),
      block_index_(block_index),
      tp_(tp),
      local_heads_(config.n_heads / tp.size()),
      local_width_(config.d_model / tp.size()),
      local_ffn_(config.ffn_width() / tp.size()),
      local_seq_(tp.local_seq_len(config.seq_len)),
      w_(bind(params, "blocks." + std::to_string(block_index) + ".", false)),
      dw_(bind(params, "blocks." + std::to_string(block_index) + ".", true)),
      ws_(workspace) {
  const size_t full_rows = static_cast<size_t>(micro_batch) * config.seq_len;
  const size_t local_rows = static_cast<size_t>(micro_batch) * local_seq_;
  const size_t d = config.d_model, seq = config.seq_len;
  const auto act = MemoryCategory::kActivations;
  saved_.resize(slots);
  for (auto& s : saved_) {
    s.ln1_out = Buffer<float>(tracker, act, local_rows * d);
    s.ln1_mean = Buffer<float>(tracker, act, local_rows);
    s.ln1_rstd = Buffer<float>(tracker, act, local_rows);
    s.x_mid = Buffer<float>(tracker, act, local_rows * d);
    s.ln2_out = Buffer<float>(tracker, act, local_rows * d);
    s.ln2_mean = Buffer<float>(tracker, act, local_rows);
    s.ln2_rstd = Buffer<float>(tracker, act, local_rows);
    s.qkv = Buffer<float>(tracker, act, full_rows * 3 * local_width_);
    s.probs = Buffer<float>(tracker, act, static_cast<size_t>(micro_batch) * local_heads_ * seq * seq);
    s.heads = Buffer<float>(tracker, act, full_rows * local_width_);
    s.hidden = Buffer<float>(tracker, act, full_rows * local_ffn_);
    s.activated = Buffer<float>(tracker, act, full_rows * local_ffn_);
  }
}

size_t Block::sequence_region_bytes() const {
  const Saved& s = saved_.front();
  return bytes_of({&s.ln1_out, &s.ln1_mean, &s.ln1_rstd, &s.x_mid, &s.ln2_out, &s.ln2_mean, &s.ln2_rstd});
}

size_t Block::tensor_region_bytes() const {
  const Saved& s = saved_.front();
  return bytes_of({&s.qkv, &s.probs, &s.heads, &s.hidden, &s.activated});
}

const float* Block::full_sequence(const float* local, int samples) {
  if (!tp_.splits_sequence()) return local;
  tp_.gather_sequence(local, samples, config_.seq_len, config_.d_model, ws_.staging.data(),
                      ws_.gathered.data());
  return ws_.gathered.data();
}

void Block::reduce_partial(float* partial_full, int samples, float* local) {
  if (tp_.splits_sequence()) {
    tp_.reduce_scatter_sequence(partial_full, samples, config_.seq_len, config_.d_model,
                                ws_.staging.data(), local);
    return;
  }
  if (partial_full != local) {
    std::memcpy(local, partial_full, sizeof(float) * samples * config_.seq_len * config_.d_model);
  }
  tp_.all_reduce(local, static_cast<size_t>(samples) * config_.seq_len * config_.d_model);
}

const float* Block::gradient_full(const float* local_grad, int samples) {
  if (!tp_.splits_sequence()) return local_grad;  // replicated: the gradient is whole already
  tp_.gather_sequence(local_grad, samples, config_.seq_len, config_.d_model, ws_.staging.data(),
                      ws_.branch_full.data());
  return ws_.branch_full.data();
}

void Block::branch_dropout(const StepContext& ctx, DropoutSite site, const MicroBatchView& batch,
                           float* data) const {
  const kernels::DropoutKey key{ctx.seed, ctx.step, static_cast<uint32_t>(block_index_ + 1), site,
                                ctx.dropout};
  kernels::dropout_rows(key, batch.first_sample, batch.samples,
                        static_cast<uint32_t>(tp_.first_position(config_.seq_len)), local_seq_, 0,
                        config_.d_model, data);
}

void Block::forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                    float* out) {
  Saved& s = saved_[slot];
  const int samples = batch.samples, d = config_.d_model, seq = config_.seq_len;
  const int full_rows = samples * seq, local_rows = samples * local_seq_;
  const size_t local_size = static_cast<size_t>(local_rows) * d;
  float* branch = ws_.branch.data();
  // A row-parallel GEMM writes its partial sum here before the group reduces it.
  float* partial = tp_.splits_sequence() ? ws_.branch_full.data() : branch;

  kernels::layernorm_forward(in, w_.ln1_w, w_.ln1_b, local_rows, d, s.ln1_out.data(),
                             s.ln1_mean.data(), s.ln1_rstd.data());
  const float* normed = full_sequence(s.ln1_out.data(), samples);
  kernels::linear_forward(normed, w_.qkv_w, w_.qkv_b, full_rows, d, 3 * local_width_, s.qkv.data());
  const kernels::AttentionShape shape{samples, seq, local_heads_, config_.head_dim(),
                                      tp_.rank() * local_heads_};
  const kernels::DropoutKey probs_key{ctx.seed, ctx.step, static_cast<uint32_t>(block_index_ + 1),
                                      DropoutSite::kAttentionProbs, ctx.dropout};
  kernels::attention_forward(s.qkv.data(), shape, probs_key, batch.first_sample, s.probs.data(),
                             ws_.attention.data(), s.heads.data());
  kernels::linear_forward(s.heads.data(), w_.proj_w, nullptr, full_rows, local_width_, d, partial);
  reduce_partial(partial, samples, branch);
  add_bias(w_.proj_b, local_rows, d, branch);
  branch_dropout(ctx, DropoutSite::kAttentionResidual, batch, branch);
  add_into(in, branch, local_size, s.x_mid.data());

  kernels::layernorm_forward(s.x_mid.data(), w_.ln2_w, w_.ln2_b, local_rows, d, s.ln2_out.data(),
                             s.ln2_mean.data(), s.ln2_rstd.data());
  normed = full_sequence(s.ln2_out.data(), samples);
  kernels::linear_forward(normed, w_.fc1_w, w_.fc1_b, full_rows, d, local_ffn_, s.hidden.data());
  kernels::gelu_forward(s.hidden.data(), static_cast<size_t>(full_rows) * local_ffn_,
                        s.activated.data());
  kernels::linear_forward(s.activated.data(), w_.fc2_w, nullptr, full_rows, local_ffn_, d, partial);
  reduce_partial(partial, samples, branch);
  add_bias(w_.fc2_b, local_rows, d, branch);
  branch_dropout(ctx, DropoutSite::kMlpResidual, batch, branch);
  add_into(s.x_mid.data(), branch, local_size, out);
}

void Block::backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                     float* d_out, float* d_in) {
  Saved& s = saved_[slot];
  backward_mlp(ctx, batch, s, d_out, d_in);    // d_in holds d x_mid after this
  backward_attention(ctx, batch, s, in, d_in);  // and d in after this
}

// d_out -> dropout -> fc2 (row parallel) -> gelu -> fc1 (column parallel) -> ln2, plus the residual.
void Block::backward_mlp(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                         float* d_out, float* d_in) {
  const int samples = batch.samples, d = config_.d_model;
  const int full_rows = samples * config_.seq_len, local_rows = samples * local_seq_;
  const size_t local_size = static_cast<size_t>(local_rows) * d;
  float* branch = ws_.branch.data();
  std::memcpy(branch, d_out, sizeof(float) * local_size);
  branch_dropout(ctx, DropoutSite::kMlpResidual, batch, branch);
  bias_gradient(branch, local_rows, d, dw_.fc2_b);
  const float* d_branch = gradient_full(branch, samples);
  kernels::linear_backward(d_branch, s.activated.data(), w_.fc2_w, full_rows, local_ffn_, d,
                           ws_.d_hidden.data(), false, dw_.fc2_w, nullptr);
  kernels::gelu_backward(ws_.d_hidden.data(), s.hidden.data(),
                         static_cast<size_t>(full_rows) * local_ffn_, ws_.d_hidden.data());
  const float* normed = full_sequence(s.ln2_out.data(), samples);  // re-gathered, not kept
  float* d_normed = tp_.splits_sequence() ? ws_.d_normed_full.data() : ws_.d_normed.data();
  kernels::linear_backward(ws_.d_hidden.data(), normed, w_.fc1_w, full_rows, d, local_ffn_,
                           d_normed, false, dw_.fc1_w, dw_.fc1_b);
  reduce_partial(d_normed, samples, ws_.d_normed.data());
  std::memcpy(d_in, d_out, sizeof(float) * local_size);
  kernels::layernorm_backward(ws_.d_normed.data(), s.x_mid.data(), s.ln2_mean.data(),
                              s.ln2_rstd.data(), w_.ln2_w, local_rows, d, d_in, dw_.ln2_w,
                              dw_.ln2_b);
}

// d x_mid -> dropout -> proj (row parallel) -> attention -> qkv (column parallel) -> ln1, plus the residual.
void Block::backward_attention(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                               const float* in, float* d_in) {
  const int samples = batch.samples, d = config_.d_model, seq = config_.seq_len;
  const int full_rows = samples * seq, local_rows = samples * local_seq_;
  float* branch = ws_.branch.data();
  std::memcpy(branch, d_in, sizeof(float) * local_rows * d);
  branch_dropout(ctx, DropoutSite::kAttentionResidual, batch, branch);
  bias_gradient(branch, local_rows, d, dw_.proj_b);
  const float* d_branch = gradient_full(branch, samples);
  kernels::linear_backward(d_branch, s.heads.data(), w_.proj_w, full_rows, local_width_, d,
                           ws_.d_attention.data(), false, dw_.proj_w, nullptr);
  const kernels::AttentionShape shape{samples, seq, local_heads_, config_.head_dim(),
                                      tp_.rank() * local_heads_};
  const kernels::DropoutKey probs_key{ctx.seed, ctx.step, static_cast<uint32_t>(block_index_ + 1),
                                      DropoutSite::kAttentionProbs, ctx.dropout};
  kernels::attention_backward(ws_.d_attention.data(), s.qkv.data(), s.probs.data(), shape,
                              probs_key, batch.first_sample, ws_.attention.data(),
                              ws_.d_qkv.data());
  const float* normed = full_sequence(s.ln1_out.data(), samples);
  float* d_normed = tp_.splits_sequence() ? ws_.d_normed_full.data() : ws_.d_normed.data();
  kernels::linear_backward(ws_.d_qkv.data(), normed, w_.qkv_w, full_rows, d, 3 * local_width_,
                           d_normed, false, dw_.qkv_w, dw_.qkv_b);
  reduce_partial(d_normed, samples, ws_.d_normed.data());
  kernels::layernorm_backward(ws_.d_normed.data(), in, s.ln1_mean.data(), s.ln1_rstd.data(),
                              w_.ln1_w, local_rows, d, d_in, dw_.ln1_w, dw_.ln1_b);
}

}  // namespace paratrain
