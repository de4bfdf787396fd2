#include "model/chunk.h"

#include "core/error.h"
#include "model/block.h"
#include "model/embed.h"

namespace paratrain {

namespace {

std::vector<ParameterSpec> chunk_parameter_specs(const ModelConfig& config,
                                                 const std::vector<UnitPiece>& pieces,
                                                 const TensorSlice& slice) {
  std::vector<ParameterSpec> specs;
  for (const UnitPiece& piece : pieces) {
    for (auto& spec : piece_parameter_specs(config, piece, slice)) specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace

ModelChunk::ModelChunk(const ModelConfig& config, std::vector<UnitPiece> pieces,
                       MemoryTracker& tracker, Workspace& workspace, int micro_batch, int slots,
                       const TensorParallel& tp, size_t parameter_padding)
    : config_(config), pieces_(std::move(pieces)) {
  PT_CHECK(!pieces_.empty() && pieces_.front().unit >= 0 && pieces_.back().unit < unit_count(config),
           "bad pieces for a model chunk");
  for (size_t idx = 1; idx < pieces_.size(); ++idx) {
    PT_CHECK(pieces_[idx].unit == pieces_[idx - 1].unit + 1, "a model chunk's pieces must be consecutive");
  }
  unit_begin_ = pieces_.front().unit;
  unit_end_ = pieces_.back().unit + 1;
  params_ = std::make_unique<ParameterTable>(tracker, chunk_parameter_specs(config, pieces_, tp.slice()),
                                             parameter_padding);
  size_t element = 0;
  for (const UnitPiece& piece : pieces_) {
    const int unit_idx = piece.unit;
    ElementRange range{element, element};
    for (const auto& spec : piece_parameter_specs(config, piece, tp.slice())) range.end += spec.numel();
    unit_elements_.push_back(range);
    element = range.end;
    if (unit_idx == 0) {
      units_.push_back(std::make_unique<Embed>(config, *params_, workspace, tp));
    } else if (unit_idx == config.n_layers + 1) {
      auto head = std::make_unique<Head>(config, *params_, workspace, tp, tracker, micro_batch, slots);
      head_ = head.get();
      units_.push_back(std::move(head));
    } else {
      units_.push_back(std::make_unique<Block>(config, unit_idx - 1, piece.part, *params_, workspace,
                                               tp, tracker, micro_batch, slots));
    }
  }
  const size_t stream_size =
      static_cast<size_t>(micro_batch) * tp.local_seq_len(config.seq_len) * config.d_model;
  const int boundaries = static_cast<int>(units_.size()) + 1;
  stream_.resize(boundaries);
  for (int boundary = 0; boundary < boundaries; ++boundary) {
    const bool exists = !(boundary == 0 && has_embed()) &&
                        !(boundary == boundaries - 1 && has_head());
    stream_[boundary].resize(slots);
    if (!exists) continue;
    for (auto& buffer : stream_[boundary]) {
      buffer = Buffer<float>(tracker, MemoryCategory::kActivations, stream_size);
    }
  }
  if (!has_head()) grad_output_ = Buffer<float>(tracker, MemoryCategory::kComm, stream_size);
  grad_ping_ = Buffer<float>(tracker, MemoryCategory::kWorkspace, stream_size);
  grad_pong_ = Buffer<float>(tracker, MemoryCategory::kWorkspace, stream_size);
}

void ModelChunk::forward(const StepContext& ctx, const MicroBatchView& batch, int slot) {
  for (size_t unit_idx = 0; unit_idx < units_.size(); ++unit_idx) {
    units_[unit_idx]->forward(ctx, batch, slot, stream_[unit_idx][slot].data(),
                              stream_[unit_idx + 1][slot].data());
  }
}

void ModelChunk::backward(const StepContext& ctx, const MicroBatchView& batch, int slot,
                          const std::function<void(int)>& after_unit) {
  walk_backward(ctx, batch, slot, false, after_unit);
}

void ModelChunk::allow_split_backward(MemoryTracker& tracker) {
  for (auto& unit : units_) unit->allow_split_backward(tracker);
}

void ModelChunk::backward_input(const StepContext& ctx, const MicroBatchView& batch, int slot) {
  walk_backward(ctx, batch, slot, true, {});
}

void ModelChunk::backward_weight(const StepContext& ctx, const MicroBatchView& batch, int slot,
                                 const std::function<void(int)>& after_unit) {
  for (size_t unit_idx = units_.size(); unit_idx-- > 0;) {
    units_[unit_idx]->backward_weight(ctx, batch, slot);
    if (after_unit) after_unit(unit_begin_ + static_cast<int>(unit_idx));
  }
}

void ModelChunk::walk_backward(const StepContext& ctx, const MicroBatchView& batch, int slot,
                               bool split, const std::function<void(int)>& after_unit) {
  float* d_out = has_head() ? nullptr : grad_output_.data();
  float* buffers[2] = {grad_ping_.data(), grad_pong_.data()};
  int next = 0;
  for (size_t unit_idx = units_.size(); unit_idx-- > 0;) {
    const bool is_embed = has_embed() && unit_idx == 0;
    float* d_in = is_embed ? nullptr : buffers[next];
    const float* in = stream_[unit_idx][slot].data();
    if (split) {
      units_[unit_idx]->backward_input(ctx, batch, slot, in, d_out, d_in);
    } else {
      units_[unit_idx]->backward(ctx, batch, slot, in, d_out, d_in);
    }
    if (after_unit) after_unit(unit_begin_ + static_cast<int>(unit_idx));
    d_out = d_in;
    next ^= 1;
  }
  grad_input_ = has_embed() ? nullptr : d_out;
}

}  // namespace paratrain
