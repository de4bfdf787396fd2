#include "model/head.h"

#include <cstring>

#include "kernels/bf16.h"
#include "kernels/cross_entropy.h"
#include "kernels/layernorm.h"

namespace paratrain {

Head::Head(const ModelConfig& config, ParameterTable& params, Workspace& workspace,
           const TensorParallel& tp, MemoryTracker& tracker, int micro_batch, int slots)
    : config_(config),
      tp_(tp),
      vocab_begin_(static_cast<int>(params.find("lm_head.weight").spec.shard.rows[0].first)),
      vocab_count_(static_cast<int>(params.find("lm_head.weight").spec.shape[0])),
      local_seq_(tp.local_seq_len(config.seq_len)),
      ln_w_(params.value("ln_f.weight")),
      ln_b_(params.value("ln_f.bias")),
      head_w_(params.value("lm_head.weight")),
      dln_w_(params.grad("ln_f.weight")),
      dln_b_(params.grad("ln_f.bias")),
      dhead_w_(params.grad("lm_head.weight")),
      ws_(workspace),
      lm_head_(tp, workspace, {head_w_, nullptr, dhead_w_, nullptr}, config.seq_len,
               config.d_model, vocab_count_) {
  const size_t full_rows = static_cast<size_t>(micro_batch) * config.seq_len;
  const size_t local_rows = static_cast<size_t>(micro_batch) * local_seq_;
  const auto act = MemoryCategory::kActivations;
  saved_.resize(slots);
  for (auto& s : saved_) {
    if (config.precision == Precision::kBf16) {
      s.normed_bf16 = Buffer<kernels::Bf16>(tracker, act, local_rows * config.d_model);
    } else {
      s.normed = Buffer<float>(tracker, act, local_rows * config.d_model);
    }
    s.mean = Buffer<float>(tracker, act, local_rows);
    s.rstd = Buffer<float>(tracker, act, local_rows);
    s.dlogits = Buffer<float>(tracker, act, full_rows * vocab_count_);
  }
  if (config.precision == Precision::kBf16) lm_head_.enable_bf16(tracker);
}

double Head::cross_entropy(const StepContext& ctx, const MicroBatchView& batch, float* logits) {
  const int rows = batch.samples * config_.seq_len;
  if (!tp_.active()) {
    return kernels::cross_entropy_forward_backward(logits, batch.targets, rows, vocab_count_,
                                                   ctx.loss_scale);
  }
  float* row_max = ws_.row_stats.data();
  float* row_sum = row_max + rows;
  float* target_logit = row_sum + rows;
  kernels::vocab_shard_max_and_target(logits, batch.targets, rows, vocab_count_, vocab_begin_,
                                      row_max, target_logit);
  tp_.group->all_reduce_max(row_max, rows);
  tp_.group->all_reduce_sum(target_logit, rows);
  kernels::vocab_shard_exp(logits, row_max, rows, vocab_count_, row_sum);
  tp_.group->all_reduce_sum(row_sum, rows);
  const double loss = kernels::vocab_shard_finish(logits, batch.targets, row_max, row_sum,
                                                  target_logit, rows, vocab_count_, vocab_begin_,
                                                  ctx.loss_scale);
  return tp_.rank() == 0 ? loss : 0.0;  // every rank of the group has the same losses
}

void Head::capture(const MicroBatchView& batch, const float* logits) {
  const size_t rows = static_cast<size_t>(batch.samples) * config_.seq_len;
  const size_t vocab = config_.vocab_size;
  float* destination = logits_capture_ + batch.first_sample * config_.seq_len * vocab;
  if (!tp_.active()) {
    std::memcpy(destination, logits, sizeof(float) * rows * vocab);
    return;
  }
  std::vector<float> all(rows * vocab);  // (tp, rows, V / tp); verify only, so not kept
  tp_.group->all_gather(logits, all.data(), rows * vocab_count_);
  for (int rank = 0; rank < tp_.size(); ++rank) {
    for (size_t row = 0; row < rows; ++row) {
      std::memcpy(destination + row * vocab + static_cast<size_t>(rank) * vocab_count_,
                  all.data() + (rank * rows + row) * vocab_count_, sizeof(float) * vocab_count_);
    }
  }
}

void Head::forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                   float* /*out*/) {
  Saved& s = saved_[slot];
  const int d = config_.d_model, local_rows = batch.samples * local_seq_;
  if (config_.precision == Precision::kBf16 && bf16_weights_step_ != ctx.step) {
    lm_head_.refresh_bf16_weight();  // once per optimizer step, as the blocks do
    bf16_weights_step_ = ctx.step;
  }
  // Under bf16 ln_f's output is made in scratch free until backward and
  // kept rounded: lm_head rounds it the same way.
  float* normed = bf16() ? ws_.d_normed.data() : s.normed.data();
  kernels::layernorm_forward(in, ln_w_, ln_b_, local_rows, d, normed, s.mean.data(), s.rstd.data());
  if (bf16()) kernels::round_to_bf16(normed, s.normed_bf16.size(), s.normed_bf16.data());
  lm_head_.forward(normed, batch.samples, s.dlogits.data());
  if (logits_capture_ != nullptr) capture(batch, s.dlogits.data());
  loss_sum_ += cross_entropy(ctx, batch, s.dlogits.data());
}

void Head::backward(const StepContext& /*ctx*/, const MicroBatchView& batch, int slot,
                    const float* in, float* /*d_out*/, float* d_in) {
  Saved& s = saved_[slot];
  // Column parallel over the vocabulary: each rank's input gradient is a part of the sum.
  lm_head_.backward(s.dlogits.data(), saved_normed(s), batch.samples, ws_.d_normed.data());
  layernorm_backward(batch, s, in, d_in);
}

void Head::backward_input(const StepContext& /*ctx*/, const MicroBatchView& batch, int slot,
                          const float* in, float* /*d_out*/, float* d_in) {
  Saved& s = saved_[slot];
  lm_head_.backward_input(s.dlogits.data(), batch.samples, ws_.d_normed.data());
  layernorm_backward(batch, s, in, d_in);
}

void Head::backward_weight(const StepContext& /*ctx*/, const MicroBatchView& batch, int slot) {
  Saved& s = saved_[slot];
  lm_head_.backward_weight(s.dlogits.data(), saved_normed(s), batch.samples);
}

const float* Head::saved_normed(const Saved& s) {
  if (!bf16()) return s.normed.data();
  float* widened = ws_.branch.data();  // free: nothing of the head's uses it
  kernels::widen_from_bf16(s.normed_bf16.data(), s.normed_bf16.size(), widened);
  return widened;
}

void Head::layernorm_backward(const MicroBatchView& batch, Saved& s, const float* in, float* d_in) {
  const int d = config_.d_model, local_rows = batch.samples * local_seq_;
  std::memset(d_in, 0, sizeof(float) * static_cast<size_t>(local_rows) * d);
  kernels::layernorm_backward(ws_.d_normed.data(), in, s.mean.data(), s.rstd.data(), ln_w_,
                              local_rows, d, d_in, dln_w_, dln_b_);
}

}  // namespace paratrain
