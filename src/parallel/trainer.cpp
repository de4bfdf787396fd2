#include "parallel/trainer.h"

#include <cstring>

#include "core/clock.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "model/parameters.h"

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
  if (layout.grid.tp > 1) {
    tp_group_ = std::make_unique<MpiTensorParallelGroup>(grid.axis(Axis::kTensor), timeline);
    tp_.group = tp_group_.get();
    tp_.sequence_parallel = layout.sequence_parallel;
  }
  const size_t padding = layout.zero == 1 ? static_cast<size_t>(layout.grid.dp) : 1;
  workspace_ = std::make_unique<Workspace>(tracker, model, micro_batch, tp_);
  std::vector<ModelChunk*> chunk_pointers;
  for (int chunk_idx = 0; chunk_idx < shape.virtual_stages; ++chunk_idx) {
    const UnitRange units = stage_units(model, partition_, model_stage(shape, pp_rank, chunk_idx));
    const int slots = PipelineExecutor::slots_needed(schedule, chunk_idx);
    chunks_.push_back(std::make_unique<ModelChunk>(model, units.begin, units.end, tracker,
                                                   *workspace_, micro_batch, slots, tp_, padding));
    ParameterTable& params = chunks_.back()->params();
    initialize_parameters(params, options.seed);
    if (layout.zero == 1) {
      sharded_optimizers_.push_back(std::make_unique<ShardedAdamW>(
          tracker, params, grid.axis(Axis::kData), options.adamw, timeline));
    } else {
      optimizers_.push_back(std::make_unique<AdamW>(tracker, params, options.adamw));
    }
    if (layout.grid.dp > 1 && layout.zero == 0) {
      buckets_.push_back(std::make_unique<GradientBuckets>(
          *chunks_.back(), grid.axis(Axis::kData), layout.bucket_bytes, timeline));
    }
    chunk_pointers.push_back(chunks_.back().get());
  }
  const size_t activation_elements =
      static_cast<size_t>(micro_batch) * tp_.local_seq_len(model.seq_len) * model.d_model;
  executor_ = std::make_unique<PipelineExecutor>(chunk_pointers, shape, pp_rank,
                                                 grid.axis(Axis::kPipeline), std::move(schedule),
                                                 tracker, timeline, activation_elements);
  const size_t token_count = static_cast<size_t>(layout.replica_batch(model)) * model.seq_len;
  tokens_ = Buffer<int32_t>(tracker, MemoryCategory::kWorkspace, token_count);
  targets_ = Buffer<int32_t>(tracker, MemoryCategory::kWorkspace, token_count);
}

Trainer::~Trainer() = default;

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
  if (tp_group_) tp_group_->set_step(step);

  executor_->run_step(
      ctx, [this](int micro_batch) { return micro_batch_view(micro_batch); },
      [this](int chunk, int unit) {
        if (!buckets_.empty()) buckets_[chunk]->on_unit_done(unit);
      });
  for (auto& buckets : buckets_) buckets->finish(step);
  reduce_partial_gradients();

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

void Trainer::reduce_partial_gradients() {
  if (!tp_.splits_sequence()) return;
  for (auto& chunk : chunks_) {
    ParameterTable& params = chunk->params();
    for (const auto& entry : params.entries()) {
      if (entry.spec.partial_gradient) tp_.all_reduce(params.grads() + entry.offset, entry.spec.numel());
    }
  }
}

void Trainer::optimizer_step() {
  for (auto& sharded : sharded_optimizers_) sharded->step(next_step_);
  if (optimizers_.empty()) return;
  ScopedEvent event(timeline_, EventKind::kOptimizer, next_step_);
  for (size_t chunk_idx = 0; chunk_idx < chunks_.size(); ++chunk_idx) {
    optimizers_[chunk_idx]->step(chunks_[chunk_idx]->params());
  }
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

std::vector<float> Trainer::gather_unit(int unit, const std::vector<ParameterSpec>& full_specs) {
  const ModelConfig& model = options_.model;
  const PipelineShape shape = layout_.pipeline_shape(model);
  int stage = 0;
  while (stage_units(model, partition_, stage).end <= unit) ++stage;
  const bool writer = grid_.world_rank() == 0;
  std::vector<float> full;  // the unit's tensors one after another, on the writer
  if (writer) {
    size_t count = 0;
    for (const auto& spec : full_specs) count += static_cast<size_t>(spec.full_numel());
    full.resize(count);
  }
  // The first replica's ranks of the stage hold the unit, one slice each.
  for (int tp_rank = 0; tp_rank < layout_.grid.tp; ++tp_rank) {
    const int owner = rank_of(layout_.grid, {0, rank_of_model_stage(shape, stage), tp_rank});
    const auto specs = unit_parameter_specs(model, unit, {tp_rank, layout_.grid.tp, layout_.sequence_parallel});
    size_t count = 0;
    for (const auto& spec : specs) count += static_cast<size_t>(spec.numel());
    std::vector<float> slice(count);
    if (grid_.world_rank() == owner) {
      ModelChunk& chunk = *chunks_[chunk_of_model_stage(shape, stage)];
      std::memcpy(slice.data(), chunk.params().values() + chunk.unit_elements(unit).begin,
                  sizeof(float) * count);
      if (!writer) grid_.world().send(slice.data(), count, 0, unit);
    } else if (writer) {
      grid_.world().recv(slice.data(), count, owner, unit);
    }
    if (!writer) continue;
    size_t local_offset = 0, full_offset = 0;
    for (const auto& spec : specs) {
      insert_shard(spec, slice.data() + local_offset, full.data() + full_offset);
      local_offset += static_cast<size_t>(spec.numel());
      full_offset += static_cast<size_t>(spec.full_numel());
    }
  }
  return full;
}

void Trainer::save_parameters(const std::string& path) {
  const ModelConfig& model = options_.model;
  std::vector<ParameterSpec> all_specs;
  std::vector<std::vector<float>> values;  // on the writer: one per unit
  for (int unit = 0; unit < unit_count(model); ++unit) {
    auto specs = unit_parameter_specs(model, unit);
    values.push_back(gather_unit(unit, specs));
    for (auto& spec : specs) all_specs.push_back(std::move(spec));
  }
  if (grid_.world_rank() != 0) return;
  std::vector<TensorToWrite> tensors;
  size_t spec_idx = 0;
  for (const auto& unit_values : values) {
    size_t offset = 0;
    while (offset < unit_values.size()) {
      const ParameterSpec& spec = all_specs[spec_idx++];
      tensors.push_back({spec.name, "F32", spec.shape, unit_values.data() + offset});
      offset += static_cast<size_t>(spec.numel());
    }
  }
  write_safetensors(path, tensors, {{"config", model.to_json()}, {"layout", layout_.to_json()}});
}

}  // namespace paratrain
