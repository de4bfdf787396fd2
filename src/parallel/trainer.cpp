#include "parallel/trainer.h"


#include "core/clock.h"
#include "core/error.h"
#include "model/parameters.h"
#include "parallel/layout_parts.h"
#include "parallel/parameter_gather.h"

namespace paratrain {

Trainer::Trainer(const TrainOptions& options, const Layout& layout, const ProcessGrid& grid,
                 const TokenSource& data, MemoryTracker& tracker, Timeline& timeline)
    : options_(options),
      layout_(layout),
      grid_(grid),
      data_(data),
      timeline_(timeline),
      partition_(stage_partition(options.model, layout)) {
  const ModelConfig& model = options.model;
  const int micro_batch = layout.micro_batch_size(model);
  const PipelineShape shape = layout.pipeline_shape(model);
  const int pp_rank = grid.coord().pp;
  RankSchedule schedule = pipeline_schedules(layout.schedule, layout.schedule_file, shape)[pp_rank];
  tp_group_ = make_tensor_parallel_group(grid, timeline);
  tp_ = tensor_parallel_view(layout, *tp_group_);
  const size_t padding = parameter_padding(layout);
  workspace_ = std::make_unique<Workspace>(tracker, model, micro_batch, tp_);
  std::vector<ModelChunk*> chunk_pointers;
  for (int chunk_idx = 0; chunk_idx < shape.virtual_stages; ++chunk_idx) {
    const UnitRange units = stage_units(model, partition_, model_stage(shape, pp_rank, chunk_idx));
    const int slots = PipelineExecutor::slots_needed(schedule, chunk_idx);
    chunks_.push_back(std::make_unique<ModelChunk>(model, pieces_of(model, units.begin, units.end), tracker,
                                                   *workspace_, micro_batch, slots, tp_, padding));
    ParameterTable& params = chunks_.back()->params();
    if (!tracker.plans_only()) initialize_parameters(params, options.seed);
    optimizers_.push_back(make_optimizer(layout, grid, params, options.adamw, tracker, timeline));
    chunk_pointers.push_back(chunks_.back().get());
  }
  gradient_sync_ = make_gradient_sync(layout, grid, chunk_pointers, *tp_group_, timeline);
  const size_t activation_elements =
      static_cast<size_t>(micro_batch) * tp_.local_seq_len(model.seq_len) * model.d_model;
  executor_ = std::make_unique<PipelineExecutor>(chunk_pointers, shape, pp_rank,
                                                 grid.axis(Axis::kPipeline), std::move(schedule),
                                                 tracker, timeline, activation_elements);
  // A W gathers over the tensor-parallel group under sequence parallelism
  // (model/parallel_linear.h): there the group must run the lists in order.
  executor_->fill_waits_with_weights(layout.fill_waits && !tp_.splits_sequence());
  const size_t token_count = static_cast<size_t>(layout.replica_batch(model)) * model.seq_len;
  tokens_ = Buffer<int32_t>(tracker, MemoryCategory::kWorkspace, token_count);
  targets_ = Buffer<int32_t>(tracker, MemoryCategory::kWorkspace, token_count);
}

Trainer::~Trainer() = default;

int64_t Trainer::weights_run_early() const { return executor_->weights_run_early(); }

uint32_t Trainer::replica_first_sample() const {
  return static_cast<uint32_t>(grid_.coord().dp * layout_.replica_batch(options_.model));
}

ModelChunk* Trainer::last_stage_chunk() {
  return chunks_.back()->has_head() ? chunks_.back().get() : nullptr;
}

MicroBatchView Trainer::micro_batch_view(int micro_batch) const {
  const int size = layout_.micro_batch_size(options_.model);
  const size_t offset = static_cast<size_t>(micro_batch) * size * options_.model.seq_len;
  return {tokens_.data() + offset, targets_.data() + offset,
          replica_first_sample() + static_cast<uint32_t>(micro_batch * size), size};
}

void Trainer::forward_backward(uint32_t step) {
  const ModelConfig& model = options_.model;
  {
    ScopedEvent event(timeline_, EventKind::kOther, step);
    data_.fill(step, replica_first_sample(), layout_.replica_batch(model), tokens_.data(),
               targets_.data());
  }
  StepContext ctx;
  ctx.seed = options_.seed;
  ctx.step = step;
  ctx.dropout = model.dropout;
  ctx.loss_scale = 1.0f / (static_cast<float>(model.batch_size) * model.seq_len);
  for (auto& chunk : chunks_) chunk->params().zero_grads();
  if (ModelChunk* last = last_stage_chunk()) last->head()->reset_loss();
  tp_group_->set_step(step);

  executor_->run_step(
      ctx, [this](int micro_batch) { return micro_batch_view(micro_batch); },
      [this](int chunk, int unit) { gradient_sync_->on_unit_done(chunk, unit); });
  gradient_sync_->finish(step);
}

double Trainer::global_loss(uint32_t step) {
  const ModelConfig& model = options_.model;
  // The last stage of each replica holds its part (tensor-parallel rank 0 only).
  double loss_sum = last_stage_chunk() != nullptr ? last_stage_chunk()->head()->loss_sum() : 0.0;
  if (grid_.world().size() > 1) {
    // Every rank waits here for the slowest: where a pipeline's last stages
    // idle while the first ones finish their backward.
    ScopedEvent event(timeline_, EventKind::kWait, step, -1, -1, "wait: loss all-reduce");
    grid_.world().all_reduce_sum(&loss_sum, 1);
  }
  return loss_sum / (static_cast<double>(model.batch_size) * model.seq_len);
}

void Trainer::optimizer_step() {
  for (auto& optimizer : optimizers_) optimizer->step(next_step_);
}

StepResult Trainer::train_step() {
  StepResult result;
  result.step = next_step_;
  const double begin = now_seconds();
  forward_backward(next_step_);
  optimizer_step();
  // After the optimizer: summing the loss over the world waits for every rank,
  // which must not hold back a stage's optimizer step.
  result.loss = global_loss(next_step_);
  result.seconds = now_seconds() - begin;
  ++next_step_;
  return result;
}

void Trainer::save_parameters(const std::string& path) {
  const ParameterGather gather(options_.model, layout_, grid_);
  const auto tensors = gather.gather(
      [this](int chunk) {
        ParameterTable& params = chunks_[chunk]->params();
        return HeldPart{params.values(), 0, params.size()};
      },
      ReplicaHolding::kWhole);
  if (grid_.world_rank() == 0) write_full_tensors(path, tensors, options_.model, layout_);
}

}  // namespace paratrain
