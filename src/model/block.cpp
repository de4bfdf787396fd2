#include "model/block.h"

#include <cstring>

#include "core/error.h"
#include "kernels/attention.h"
#include "kernels/bf16.h"
#include "kernels/dropout.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"

namespace paratrain {

namespace {

using kernels::DropoutSite;

void add_into(const float* a, const float* b, size_t count, float* out) {
#pragma omp simd
  for (size_t idx = 0; idx < count; ++idx) out[idx] = a[idx] + b[idx];
}

// values rounded to bf16 and held as floats: what a bf16 matmul input would be.
void round_to_bf16_in_place(float* values, size_t count) {
  for (size_t idx = 0; idx < count; ++idx) values[idx] = kernels::to_float(kernels::to_bf16(values[idx]));
}

size_t bytes_of(std::initializer_list<const Buffer<float>*> buffers) {
  size_t total = 0;
  for (const auto* buffer : buffers) total += buffer->size() * sizeof(float);
  return total;
}

size_t bytes_of(std::initializer_list<const Buffer<kernels::Bf16>*> buffers) {
  size_t total = 0;
  for (const auto* buffer : buffers) total += buffer->size() * sizeof(kernels::Bf16);
  return total;
}

}  // namespace

Block::Weights Block::bind(ParameterTable& params, const std::string& prefix, bool grads) {
  // A chunk's table holds only its part's tensors (piece_parameter_specs);
  // what is not there stays null, and a part reads only its own half.
  auto get = [&](const char* name) -> float* {
    if (!params.contains(prefix + name)) return nullptr;
    return grads ? params.grad(prefix + name) : params.value(prefix + name);
  };
  return {get("ln1.weight"),       get("ln1.bias"),         get("attn.qkv.weight"),
          get("attn.qkv.bias"),    get("attn.proj.weight"), get("attn.proj.bias"),
          get("ln2.weight"),       get("ln2.bias"),         get("mlp.fc1.weight"),
          get("mlp.fc1.bias"),     get("mlp.fc2.weight"),   get("mlp.fc2.bias")};
}

LinearWeights Block::linear(const Weights& w, const Weights& dw, float* Weights::*weight,
                            float* Weights::*bias) {
  return {w.*weight, w.*bias, dw.*weight, dw.*bias};
}

Block::Block(const ModelConfig& config, int block_index, BlockPart part, ParameterTable& params,
             Workspace& workspace, const TensorParallel& tp, MemoryTracker& tracker,
             int micro_batch, int slots)
    : config_(config),
      block_index_(block_index),
      part_(part),
      tp_(tp),
      local_heads_(config.n_heads / tp.size()),
      local_width_(config.d_model / tp.size()),
      local_ffn_(config.ffn_width() / tp.size()),
      local_seq_(tp.local_seq_len(config.seq_len)),
      w_(bind(params, "blocks." + std::to_string(block_index) + ".", false)),
      dw_(bind(params, "blocks." + std::to_string(block_index) + ".", true)),
      ws_(workspace),
      qkv_(tp, workspace, linear(w_, dw_, &Weights::qkv_w, &Weights::qkv_b), config.seq_len,
           config.d_model, 3 * local_width_),
      proj_(tp, workspace, linear(w_, dw_, &Weights::proj_w, &Weights::proj_b), config.seq_len,
            local_width_, config.d_model),
      fc1_(tp, workspace, linear(w_, dw_, &Weights::fc1_w, &Weights::fc1_b), config.seq_len,
           config.d_model, local_ffn_),
      fc2_(tp, workspace, linear(w_, dw_, &Weights::fc2_w, &Weights::fc2_b), config.seq_len,
           local_ffn_, config.d_model),
      micro_batch_(micro_batch) {
  if (recompute_full()) {
    if (!ws_.recompute_saved) {  // shared by every block of the rank, whole or a part
      ws_.recompute_saved = std::make_unique<Saved>();
      allocate_saved(tracker, *ws_.recompute_saved, micro_batch, BlockPart::kWhole);
    }
  } else {
    saved_.resize(slots);
    for (auto& s : saved_) allocate_saved(tracker, s, micro_batch, part);
  }
  if (bf16()) {
    if (has_attention()) {
      qkv_.enable_bf16(tracker);
      proj_.enable_bf16(tracker);
    }
    if (has_mlp()) {
      fc1_.enable_bf16(tracker);
      fc2_.enable_bf16(tracker);
    }
  }
}

// What a part saves: the attention half ln1's output and statistics, q k v,
// the softmax and the attention output; the MLP half ln2's, fc1's output and
// GELU's; the whole block also x_mid, which between halves is the stream
// buffer the stage sends. Under bf16 what only feeds a matmul is kept in
// bf16; selective recompute keeps neither the softmax nor GELU's output
// (both recomputed in backward: the softmax from q and k, GELU from fc1's
// output, which its backward keeps anyway).
void Block::allocate_saved(MemoryTracker& tracker, Saved& s, int micro_batch, BlockPart part) {
  const size_t full_rows = static_cast<size_t>(micro_batch) * config_.seq_len;
  const size_t local_rows = static_cast<size_t>(micro_batch) * local_seq_;
  const size_t d = config_.d_model, seq = config_.seq_len;
  const auto act = MemoryCategory::kActivations;
  const bool selective = config_.recompute == Recompute::kSelective;
  // fp32, or bf16 under bf16 autocast: a tensor that only feeds matmuls.
  auto matmul_input = [&](Buffer<float>& fp32, Buffer<kernels::Bf16>& half, size_t count) {
    if (bf16()) {
      half = Buffer<kernels::Bf16>(tracker, act, count);
    } else {
      fp32 = Buffer<float>(tracker, act, count);
    }
  };
  if (part != BlockPart::kMlp) {
    matmul_input(s.ln1_out, s.ln1_out_bf16, local_rows * d);
    s.ln1_mean = Buffer<float>(tracker, act, local_rows);
    s.ln1_rstd = Buffer<float>(tracker, act, local_rows);
    matmul_input(s.qkv, s.qkv_bf16, full_rows * 3 * local_width_);
    if (!selective) {
      s.probs = Buffer<float>(tracker, act, static_cast<size_t>(micro_batch) * local_heads_ * seq * seq);
    }
    matmul_input(s.heads, s.heads_bf16, full_rows * local_width_);
  }
  if (part == BlockPart::kWhole) s.x_mid = Buffer<float>(tracker, act, local_rows * d);
  if (part != BlockPart::kAttention) {
    matmul_input(s.ln2_out, s.ln2_out_bf16, local_rows * d);
    s.ln2_mean = Buffer<float>(tracker, act, local_rows);
    s.ln2_rstd = Buffer<float>(tracker, act, local_rows);
    s.hidden = Buffer<float>(tracker, act, full_rows * local_ffn_);
    if (!selective) matmul_input(s.activated, s.activated_bf16, full_rows * local_ffn_);
  }
}

size_t Block::sequence_region_bytes() const {
  const Saved& s = saved_.empty() ? *ws_.recompute_saved : saved_.front();
  return bytes_of({&s.ln1_out, &s.ln1_mean, &s.ln1_rstd, &s.x_mid, &s.ln2_out, &s.ln2_mean, &s.ln2_rstd}) +
         bytes_of({&s.ln1_out_bf16, &s.ln2_out_bf16});
}

size_t Block::tensor_region_bytes() const {
  const Saved& s = saved_.empty() ? *ws_.recompute_saved : saved_.front();
  return bytes_of({&s.qkv, &s.probs, &s.heads, &s.hidden, &s.activated}) +
         bytes_of({&s.qkv_bf16, &s.heads_bf16, &s.activated_bf16});
}

void Block::branch_dropout(const StepContext& ctx, DropoutSite site, const MicroBatchView& batch,
                           float* data) const {
  const kernels::DropoutKey key{ctx.seed, ctx.step, static_cast<uint32_t>(block_index_ + 1), site,
                                ctx.dropout};
  kernels::dropout_rows(key, batch.first_sample, batch.samples,
                        static_cast<uint32_t>(tp_.first_position(config_.seq_len)), local_seq_, 0,
                        config_.d_model, data);
}

void Block::refresh_bf16_weights(uint32_t step) {
  // The weights change only in the optimizer step, which ends a step: one
  // copy per step serves all its micro-batches (and a full recompute).
  if (!bf16() || bf16_weights_step_ == step) return;
  qkv_.refresh_bf16_weight();
  proj_.refresh_bf16_weight();
  fc1_.refresh_bf16_weight();
  fc2_.refresh_bf16_weight();
  bf16_weights_step_ = step;
}

void Block::project(Buffer<kernels::Bf16>& kept, const float* value, RowParallelLinear& linear,
                    int samples, float* y_local) {
  if (!bf16()) {
    linear.forward(value, samples, y_local);
    return;
  }
  kernels::round_to_bf16(value, kept.size(), kept.data());
  linear.forward(kept.data(), samples, y_local);
}

const float* Block::saved_input(const Buffer<float>& fp32, const Buffer<kernels::Bf16>& half,
                                float* scratch) const {
  if (!bf16()) return fp32.data();
  kernels::widen_from_bf16(half.data(), half.size(), scratch);
  return scratch;
}

const float* Block::activated_fp32(const Saved& s, int samples) {
  if (s.activated.size() != 0) return s.activated.data();
  const size_t count = static_cast<size_t>(samples) * config_.seq_len * local_ffn_;
  kernels::gelu_forward(s.hidden.data(), count, ws_.activated.data());
  return ws_.activated.data();
}

const kernels::Bf16* Block::activated_bf16(const Saved& s, int samples) {
  if (s.activated_bf16.size() != 0) return s.activated_bf16.data();
  const size_t count = static_cast<size_t>(samples) * config_.seq_len * local_ffn_;
  kernels::gelu_forward(s.hidden.data(), count, ws_.d_hidden.data());
  kernels::round_to_bf16(ws_.d_hidden.data(), count, ws_.activated_bf16.data());
  return ws_.activated_bf16.data();
}

void Block::forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                    float* out) {
  refresh_bf16_weights(ctx.step);
  Saved& s = saved_for(slot);
  switch (part_) {
    case BlockPart::kWhole:
      forward_attention(ctx, batch, s, in, s.x_mid.data());
      forward_mlp(ctx, batch, s, s.x_mid.data(), out);
      break;
    case BlockPart::kAttention:
      forward_attention(ctx, batch, s, in, out);
      break;
    case BlockPart::kMlp:
      forward_mlp(ctx, batch, s, in, out);
      break;
  }
}

void Block::forward_attention(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                              const float* in, float* x_mid) {
  const int samples = batch.samples, d = config_.d_model, seq = config_.seq_len;
  const size_t local_size = static_cast<size_t>(samples) * local_seq_ * d;
  float* branch = ws_.branch.data();
  // Under bf16 ln1's output and q k v are made in scratch that is free until
  // backward (d_normed, d_qkv) and kept rounded to bf16: they feed nothing
  // but matmuls (qkv, attention's products), which round them the same way.
  float* normed = bf16() ? ws_.d_normed.data() : s.ln1_out.data();
  kernels::layernorm_forward(in, w_.ln1_w, w_.ln1_b, samples * local_seq_, d, normed,
                             s.ln1_mean.data(), s.ln1_rstd.data());
  float* qkv = bf16() ? ws_.d_qkv.data() : s.qkv.data();
  qkv_.forward(normed, samples, qkv);
  if (bf16()) {
    kernels::round_to_bf16(normed, s.ln1_out_bf16.size(), s.ln1_out_bf16.data());
    kernels::round_to_bf16(qkv, s.qkv_bf16.size(), s.qkv_bf16.data());
    kernels::widen_from_bf16(s.qkv_bf16.data(), s.qkv_bf16.size(), qkv);  // attention reads the rounded values
  }
  const kernels::AttentionShape shape{samples, seq, local_heads_, config_.head_dim(),
                                      tp_.rank() * local_heads_, bf16()};
  const kernels::DropoutKey probs_key{ctx.seed, ctx.step, static_cast<uint32_t>(block_index_ + 1),
                                      DropoutSite::kAttentionProbs, ctx.dropout};
  // Under bf16 the fp32 attention output goes to scratch (d_attention is
  // free until backward) and only its bf16 rounding is kept.
  float* heads = bf16() ? ws_.d_attention.data() : s.heads.data();
  kernels::attention_forward(qkv, shape, probs_key, batch.first_sample, s.probs.data(),
                             ws_.attention.data(), heads);
  project(s.heads_bf16, heads, proj_, samples, branch);
  branch_dropout(ctx, DropoutSite::kAttentionResidual, batch, branch);
  if (x_mid != nullptr) add_into(in, branch, local_size, x_mid);
}

void Block::forward_mlp(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                        const float* mid, float* out) {
  const int samples = batch.samples, d = config_.d_model;
  const int full_rows = samples * config_.seq_len, local_rows = samples * local_seq_;
  const size_t local_size = static_cast<size_t>(local_rows) * d;
  float* branch = ws_.branch.data();
  float* normed = bf16() ? ws_.d_normed.data() : s.ln2_out.data();  // as ln1's in forward_attention
  kernels::layernorm_forward(mid, w_.ln2_w, w_.ln2_b, local_rows, d, normed, s.ln2_mean.data(),
                             s.ln2_rstd.data());
  if (bf16()) kernels::round_to_bf16(normed, s.ln2_out_bf16.size(), s.ln2_out_bf16.data());
  fc1_.forward(normed, samples, s.hidden.data());
  // GELU's output goes to scratch where it is not kept (bf16, where its
  // rounding is; selective recompute, which recomputes it in backward).
  const bool keep_activated = s.activated.size() != 0;
  float* activated = keep_activated ? s.activated.data() : ws_.d_hidden.data();
  kernels::gelu_forward(s.hidden.data(), static_cast<size_t>(full_rows) * local_ffn_, activated);
  if (!bf16()) {
    fc2_.forward(activated, samples, branch);
  } else if (s.activated_bf16.size() != 0) {
    project(s.activated_bf16, activated, fc2_, samples, branch);
  } else {  // selective: rounded into the workspace's copy, which backward refills
    project(ws_.activated_bf16, activated, fc2_, samples, branch);
  }
  branch_dropout(ctx, DropoutSite::kMlpResidual, batch, branch);
  if (out != nullptr) add_into(mid, branch, local_size, out);  // null: a recompute
}

void Block::backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                     float* d_out, float* d_in) {
  // Full recompute: the forward again, from the kept input, with the same
  // counter-keyed dropout masks, refills the one saved set.
  if (recompute_full()) forward(ctx, batch, slot, in, nullptr);
  backward_part(ctx, batch, saved_for(slot), in, d_out, d_in, nullptr);
}

void Block::backward_part(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                          const float* in, float* d_out, float* d_in, Kept* keep) {
  switch (part_) {
    case BlockPart::kWhole:
      backward_mlp(ctx, batch, s, s.x_mid.data(), d_out, d_in, keep);  // d_in holds d x_mid after this
      backward_attention(ctx, batch, s, in, d_in, keep);              // and d in after this
      break;
    case BlockPart::kMlp:
      backward_mlp(ctx, batch, s, in, d_out, d_in, keep);
      break;
    case BlockPart::kAttention:  // d_out is d x_mid; the residual passes it on
      std::memcpy(d_in, d_out, sizeof(float) * static_cast<size_t>(batch.samples) * local_seq_ *
                                   config_.d_model);
      backward_attention(ctx, batch, s, in, d_in, keep);
      break;
  }
}

void Block::allow_split_backward(MemoryTracker& tracker) {
  // The deferred weight gradients read the inputs each slot keeps (fp32, or
  // bf16 where bf16 autocast keeps them so); full recompute keeps one saved
  // set for every slot, refilled per backward, so nothing would be left for W
  // (check_layout refuses zero-bubble schedules with --recompute full).
  // Selective recompute drops only the softmax, which W does not read.
  PT_CHECK(!recompute_full(), "a split backward needs --recompute none or selective");
  if (!kept_.empty()) return;
  const size_t full_rows = static_cast<size_t>(micro_batch_) * config_.seq_len;
  const size_t local_rows = static_cast<size_t>(micro_batch_) * local_seq_;
  const size_t d = config_.d_model;
  const auto act = MemoryCategory::kActivations;
  kept_.resize(saved_.size());
  for (auto& k : kept_) {
    if (has_attention()) {
      k.d_qkv = Buffer<float>(tracker, act, full_rows * 3 * local_width_);
      k.d_proj = Buffer<float>(tracker, act, local_rows * d);
    }
    if (has_mlp()) {
      k.d_fc1 = Buffer<float>(tracker, act, full_rows * local_ffn_);
      k.d_fc2 = Buffer<float>(tracker, act, local_rows * d);
    }
  }
}

void Block::backward_input(const StepContext& ctx, const MicroBatchView& batch, int slot,
                           const float* in, float* d_out, float* d_in) {
  PT_CHECK(!kept_.empty(), "Block::backward_input before allow_split_backward");
  backward_part(ctx, batch, saved_[slot], in, d_out, d_in, &kept_[slot]);
}

// The linear layers in backward's order, each from its kept output gradient
// and its saved input.
void Block::backward_weight(const StepContext& /*ctx*/, const MicroBatchView& batch, int slot) {
  PT_CHECK(!kept_.empty(), "Block::backward_weight before allow_split_backward");
  Saved& s = saved_[slot];
  Kept& k = kept_[slot];
  if (has_mlp()) {
    if (bf16()) {
      fc2_.backward_weight(k.d_fc2.data(), activated_bf16(s, batch.samples), batch.samples);
    } else {
      fc2_.backward_weight(k.d_fc2.data(), activated_fp32(s, batch.samples), batch.samples);
    }
    fc1_.backward_weight(k.d_fc1.data(), saved_input(s.ln2_out, s.ln2_out_bf16, ws_.branch.data()),
                         batch.samples);
  }
  if (has_attention()) {
    if (bf16()) {
      proj_.backward_weight(k.d_proj.data(), s.heads_bf16.data(), batch.samples);
    } else {
      proj_.backward_weight(k.d_proj.data(), s.heads.data(), batch.samples);
    }
    qkv_.backward_weight(k.d_qkv.data(), saved_input(s.ln1_out, s.ln1_out_bf16, ws_.branch.data()),
                         batch.samples);
  }
}

// d_out -> dropout -> fc2 (row parallel) -> gelu -> fc1 (column parallel) -> ln2, plus the residual.
void Block::backward_mlp(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                         const float* mid, float* d_out, float* d_in, Kept* keep) {
  const int samples = batch.samples, d = config_.d_model;
  const int full_rows = samples * config_.seq_len, local_rows = samples * local_seq_;
  const size_t local_size = static_cast<size_t>(local_rows) * d;
  float* branch = keep != nullptr ? keep->d_fc2.data() : ws_.branch.data();
  std::memcpy(branch, d_out, sizeof(float) * local_size);
  branch_dropout(ctx, DropoutSite::kMlpResidual, batch, branch);
  float* d_hidden = keep != nullptr ? keep->d_fc1.data() : ws_.d_hidden.data();
  if (keep != nullptr) {
    fc2_.backward_input(branch, samples, ws_.d_hidden.data());
  } else if (bf16()) {
    fc2_.backward(branch, activated_bf16(s, samples), samples, ws_.d_hidden.data());
  } else {
    fc2_.backward(branch, activated_fp32(s, samples), samples, ws_.d_hidden.data());
  }
  kernels::gelu_backward(ws_.d_hidden.data(), s.hidden.data(),
                         static_cast<size_t>(full_rows) * local_ffn_, d_hidden);
  if (keep != nullptr) {
    fc1_.backward_input(d_hidden, samples, ws_.d_normed.data());
  } else {
    // ws_.branch is free again: fc2's backward has read the branch gradient.
    fc1_.backward(d_hidden, saved_input(s.ln2_out, s.ln2_out_bf16, ws_.branch.data()), samples,
                  ws_.d_normed.data());
  }
  std::memcpy(d_in, d_out, sizeof(float) * local_size);
  kernels::layernorm_backward(ws_.d_normed.data(), mid, s.ln2_mean.data(),
                              s.ln2_rstd.data(), w_.ln2_w, local_rows, d, d_in, dw_.ln2_w,
                              dw_.ln2_b);
}

// d x_mid -> dropout -> proj (row parallel) -> attention -> qkv (column parallel) -> ln1, plus the residual.
void Block::backward_attention(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                               const float* in, float* d_in, Kept* keep) {
  const int samples = batch.samples, d = config_.d_model, seq = config_.seq_len;
  const int local_rows = samples * local_seq_;
  float* branch = keep != nullptr ? keep->d_proj.data() : ws_.branch.data();
  std::memcpy(branch, d_in, sizeof(float) * local_rows * d);
  branch_dropout(ctx, DropoutSite::kAttentionResidual, batch, branch);
  if (keep != nullptr) {
    proj_.backward_input(branch, samples, ws_.d_attention.data());
  } else if (bf16()) {
    proj_.backward(branch, s.heads_bf16.data(), samples, ws_.d_attention.data());
  } else {
    proj_.backward(branch, s.heads.data(), samples, ws_.d_attention.data());
  }
  // The gradient of attention's output feeds only its two products' backward.
  if (bf16()) round_to_bf16_in_place(ws_.d_attention.data(), static_cast<size_t>(samples) * seq * local_width_);
  const kernels::AttentionShape shape{samples, seq, local_heads_, config_.head_dim(),
                                      tp_.rank() * local_heads_, bf16()};
  const kernels::DropoutKey probs_key{ctx.seed, ctx.step, static_cast<uint32_t>(block_index_ + 1),
                                      DropoutSite::kAttentionProbs, ctx.dropout};
  float* d_qkv = keep != nullptr ? keep->d_qkv.data() : ws_.d_qkv.data();
  const float* qkv = saved_input(s.qkv, s.qkv_bf16, ws_.qkv_scratch(s.qkv_bf16.size()));
  kernels::attention_backward(ws_.d_attention.data(), qkv, s.probs.data(), shape, probs_key,
                              batch.first_sample, ws_.attention.data(), d_qkv);
  if (keep != nullptr) {
    qkv_.backward_input(d_qkv, samples, ws_.d_normed.data());
  } else {
    // ws_.branch is free again: proj's backward has read the branch gradient.
    qkv_.backward(d_qkv, saved_input(s.ln1_out, s.ln1_out_bf16, ws_.branch.data()), samples,
                  ws_.d_normed.data());
  }
  kernels::layernorm_backward(ws_.d_normed.data(), in, s.ln1_mean.data(), s.ln1_rstd.data(),
                              w_.ln1_w, local_rows, d, d_in, dw_.ln1_w, dw_.ln1_b);
}

}  // namespace paratrain
