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
  RankSchedule schedule = generate_schedule(layout.schedule, shape)[pp_rank];
  workspace_ = std::make_unique<Workspace>(tracker, model, micro_batch);
  std::vector<ModelChunk*> chunk_pointers;
  for (int chunk_idx = 0; chunk_idx < shape.virtual_stages; ++chunk_idx) {
    const UnitRange units = stage_units(model, partition_, model_stage(shape, pp_rank, chunk_idx));
    const int slots = PipelineExecutor::slots_needed(schedule, chunk_idx);
    chunks_.push_back(std::make_unique<ModelChunk>(model, units.begin, units.end, tracker,
                                                   *workspace_, micro_batch, slots));
    initialize_parameters(chunks_.back()->params(), options.seed);
    optimizers_.push_back(std::make_unique<AdamW>(tracker, chunks_.back()->params(), options.adamw));
    if (layout.grid.dp > 1) {
      buckets_.push_back(std::make_unique<GradientBuckets>(
          *chunks_.back(), grid.axis(Axis::kData), layout.bucket_bytes, timeline));
    }
    chunk_pointers.push_back(chunks_.back().get());
  }
  const size_t activation_elements = static_cast<size_t>(micro_batch) * model.seq_len * model.d_model;
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

double Trainer::forward_backward(uint32_t step) {
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

  executor_->run_step(
      ctx, [this](int micro_batch) { return micro_batch_view(micro_batch); },
      [this](int chunk, int unit) {
        if (!buckets_.empty()) buckets_[chunk]->on_unit_done(unit);
      });
  for (auto& buckets : buckets_) buckets->finish(step);

  // Every rank learns the global loss: the last stage of each replica holds its part.
  double loss_sum = last_stage_chunk() != nullptr ? last_stage_chunk()->head()->loss_sum() : 0.0;
  if (grid_.world().size() > 1) grid_.world().all_reduce_sum(&loss_sum, 1);
  return loss_sum / (static_cast<double>(model.batch_size) * model.seq_len);
}

void Trainer::optimizer_step() {
  ScopedEvent event(timeline_, EventKind::kOptimizer, next_step_);
  for (size_t chunk_idx = 0; chunk_idx < chunks_.size(); ++chunk_idx) {
    optimizers_[chunk_idx]->step(chunks_[chunk_idx]->params());
  }
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

void Trainer::save_parameters(const std::string& path) {
  const ModelConfig& model = options_.model;
  const PipelineShape shape = layout_.pipeline_shape(model);
  const bool writer = grid_.world_rank() == 0;
  std::vector<ParameterSpec> all_specs;
  std::vector<std::vector<float>> values;  // on the writer: one per unit
  for (int unit = 0; unit < unit_count(model); ++unit) {
    auto specs = unit_parameter_specs(model, unit);
    size_t count = 0;
    for (const auto& spec : specs) count += static_cast<size_t>(spec.numel());
    // The owner: the rank of the first replica whose stage holds the unit.
    int stage = 0;
    while (stage_units(model, partition_, stage).end <= unit) ++stage;
    const int owner = rank_of(layout_.grid, {0, rank_of_model_stage(shape, stage), 0});
    const float* mine = nullptr;
    if (grid_.world_rank() == owner) {
      ModelChunk& chunk = *chunks_[chunk_of_model_stage(shape, stage)];
      mine = chunk.params().values() + chunk.unit_elements(unit).begin;
    }
    if (writer) {
      values.emplace_back(count);
      if (owner == 0) {
        std::memcpy(values.back().data(), mine, sizeof(float) * count);
      } else {
        grid_.world().recv(values.back().data(), count, owner, unit);
      }
    } else if (mine != nullptr) {
      grid_.world().send(mine, count, 0, unit);
    }
    for (auto& spec : specs) all_specs.push_back(std::move(spec));
  }
  if (!writer) return;
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
