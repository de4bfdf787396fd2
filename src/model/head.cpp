#include "model/head.h"

#include <cstring>

#include "kernels/cross_entropy.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"

namespace paratrain {

Head::Head(const ModelConfig& config, ParameterTable& params, Workspace& workspace,
           MemoryTracker& tracker, int micro_batch, int slots)
    : config_(config),
      ln_w_(params.value("ln_f.weight")),
      ln_b_(params.value("ln_f.bias")),
      head_w_(params.value("lm_head.weight")),
      dln_w_(params.grad("ln_f.weight")),
      dln_b_(params.grad("ln_f.bias")),
      dhead_w_(params.grad("lm_head.weight")),
      ws_(workspace) {
  const size_t rows = static_cast<size_t>(micro_batch) * config.seq_len;
  const auto act = MemoryCategory::kActivations;
  saved_.resize(slots);
  for (auto& s : saved_) {
    s.normed = Buffer<float>(tracker, act, rows * config.d_model);
    s.mean = Buffer<float>(tracker, act, rows);
    s.rstd = Buffer<float>(tracker, act, rows);
    s.dlogits = Buffer<float>(tracker, act, rows * config.vocab_size);
  }
}

void Head::forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                   float* /*out*/) {
  Saved& s = saved_[slot];
  const int rows = batch.samples * config_.seq_len;
  const int d = config_.d_model, vocab = config_.vocab_size;
  kernels::layernorm_forward(in, ln_w_, ln_b_, rows, d, s.normed.data(), s.mean.data(),
                             s.rstd.data());
  kernels::linear_forward(s.normed.data(), head_w_, nullptr, rows, d, vocab, s.dlogits.data());
  if (logits_capture_ != nullptr) {
    const size_t offset = static_cast<size_t>(batch.first_sample) * config_.seq_len * vocab;
    std::memcpy(logits_capture_ + offset, s.dlogits.data(),
                sizeof(float) * static_cast<size_t>(rows) * vocab);
  }
  loss_sum_ += kernels::cross_entropy_forward_backward(s.dlogits.data(), batch.targets, rows, vocab,
                                                       ctx.loss_scale);
}

void Head::backward(const StepContext& /*ctx*/, const MicroBatchView& batch, int slot,
                    const float* in, float* /*d_out*/, float* d_in) {
  Saved& s = saved_[slot];
  const int rows = batch.samples * config_.seq_len;
  const int d = config_.d_model, vocab = config_.vocab_size;
  kernels::linear_backward(s.dlogits.data(), s.normed.data(), head_w_, rows, d, vocab,
                           ws_.d_normed.data(), false, dhead_w_, nullptr);
  std::memset(d_in, 0, sizeof(float) * static_cast<size_t>(rows) * d);
  kernels::layernorm_backward(ws_.d_normed.data(), in, s.mean.data(), s.rstd.data(), ln_w_, rows,
                              d, d_in, dln_w_, dln_b_);
}

}  // namespace paratrain
