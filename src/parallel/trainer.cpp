#include "parallel/trainer.h"

#include "core/clock.h"
#include "core/error.h"
#include "model/parameters.h"

namespace paratrain {

Trainer::Trainer(const TrainOptions& options, const TokenSource& data, MemoryTracker& tracker,
                 Timeline& timeline)
    : options_(options),
      data_(data),
      timeline_(timeline),
      micro_batch_(options.micro_batch > 0 ? options.micro_batch : options.model.batch_size) {
  const ModelConfig& config = options.model;
  if (config.batch_size % micro_batch_ != 0) {
    throw UsageError("--micro-batch (" + std::to_string(micro_batch_) +
                     ") must divide the batch of a replica (" + std::to_string(config.batch_size) +
                     ")");
  }
  workspace_ = std::make_unique<Workspace>(tracker, config, micro_batch_);
  chunk_ = std::make_unique<ModelChunk>(config, 0, unit_count(config), tracker, *workspace_,
                                        micro_batch_, /*slots=*/1);
  initialize_parameters(chunk_->params(), options.seed);
  optimizer_ = std::make_unique<AdamW>(tracker, chunk_->params(), options.adamw);
  const size_t token_count = static_cast<size_t>(config.batch_size) * config.seq_len;
  tokens_ = Buffer<int32_t>(tracker, MemoryCategory::kWorkspace, token_count);
  targets_ = Buffer<int32_t>(tracker, MemoryCategory::kWorkspace, token_count);
}

double Trainer::forward_backward(uint32_t step) {
  const ModelConfig& config = options_.model;
  {
    ScopedEvent event(timeline_, EventKind::kOther, step);
    data_.fill(step, 0, config.batch_size, tokens_.data(), targets_.data());
  }
  StepContext ctx;
  ctx.seed = options_.seed;
  ctx.step = step;
  ctx.dropout = config.dropout;
  ctx.loss_scale = 1.0f / (static_cast<float>(config.batch_size) * config.seq_len);
  chunk_->params().zero_grads();
  chunk_->head()->reset_loss();
  // One slot: each micro-batch's backward runs right after its forward.
  for (int mb_idx = 0; mb_idx < micro_batches(); ++mb_idx) {
    const size_t offset = static_cast<size_t>(mb_idx) * micro_batch_ * config.seq_len;
    const MicroBatchView batch{tokens_.data() + offset, targets_.data() + offset,
                               static_cast<uint32_t>(mb_idx * micro_batch_), micro_batch_};
    {
      ScopedEvent event(timeline_, EventKind::kForward, step, mb_idx, 0);
      chunk_->forward(ctx, batch, 0);
    }
    ScopedEvent event(timeline_, EventKind::kBackward, step, mb_idx, 0);
    chunk_->backward(ctx, batch, 0);
  }
  return chunk_->head()->loss_sum() / (static_cast<double>(config.batch_size) * config.seq_len);
}

void Trainer::optimizer_step() {
  ScopedEvent event(timeline_, EventKind::kOptimizer, next_step_);
  optimizer_->step(chunk_->params());
}

StepResult Trainer::train_step() {
  StepResult result;
  result.step = next_step_;
  const double begin = now_seconds();
  result.loss = forward_backward(next_step_);
  optimizer_step();
  result.seconds = now_seconds() - begin;
  ++next_step_;
  return result;
}

}  // namespace paratrain
