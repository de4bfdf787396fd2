#pragma once
// A model chunk: the consecutive pieces of the chain (model/pieces.h: whole
// units, or a block's half at either edge) that one rank runs for one
// pipeline stage (or virtual stage), with their parameters, saved activations
// and the residual-stream buffers between them. The sequential run is one
// chunk holding every unit whole.
#include <functional>
#include <memory>
#include <vector>

#include "core/memory.h"
#include "model/config.h"
#include "model/head.h"
#include "model/parameters.h"
#include "model/pieces.h"
#include "model/unit.h"
#include "model/tensor_parallel.h"
#include "model/workspace.h"

namespace paratrain {

class ModelChunk {
 public:
  // tp: this rank's tensor-parallel group (none by default), whose slice of
  // every parameter the chunk holds.
  // pieces: consecutive, in chain order (pieces_of gives them).
  ModelChunk(const ModelConfig& config, std::vector<UnitPiece> pieces, MemoryTracker& tracker,
             Workspace& workspace, int micro_batch, int slots, const TensorParallel& tp = {},
             size_t parameter_padding = 1);

  bool has_embed() const { return unit_begin_ == 0; }
  bool has_head() const { return unit_end_ == unit_count(config_); }
  // The units the chunk holds (each once, whole or a part): [begin, end).
  int unit_begin() const { return unit_begin_; }
  int unit_end() const { return unit_end_; }
  const std::vector<UnitPiece>& pieces() const { return pieces_; }
  ParameterTable& params() { return *params_; }
  Head* head() { return head_; }

  // (samples, T, D) activations at the chunk's edges, per slot. input() is
  // where a received activation goes (not with Embed); output() is what to send
  // on (not with Head).
  // (samples, T / tp under sequence parallelism, D).
  float* input(int slot) { return stream_[0][slot].data(); }
  float* output(int slot) { return stream_.back()[slot].data(); }
  // Where d loss / d output() goes before backward (not with Head), and where
  // backward leaves d loss / d input() (not with Embed).
  float* grad_output() { return grad_output_.data(); }
  const float* grad_input() const { return grad_input_; }

  void forward(const StepContext& ctx, const MicroBatchView& batch, int slot);
  // after_unit(unit_index), if given, runs as soon as a unit's backward is done
  // (its parameter gradients are final for this micro-batch): data parallelism
  // starts its gradient all-reduces there.
  void backward(const StepContext& ctx, const MicroBatchView& batch, int slot,
                const std::function<void(int)>& after_unit = {});
  // backward in two halves (Unit::backward_input / backward_weight): the input
  // gradient (grad_input()) first, the weight gradients later; after_unit then
  // runs as each unit's weight gradients are done. The slot stays in use until
  // backward_weight. allow_split_backward allocates what the units keep
  // between the halves; call it once before the first split backward.
  void allow_split_backward(MemoryTracker& tracker);
  void backward_input(const StepContext& ctx, const MicroBatchView& batch, int slot);
  void backward_weight(const StepContext& ctx, const MicroBatchView& batch, int slot,
                       const std::function<void(int)>& after_unit = {});

  // Where unit `unit_index`'s parameters lie in params(): [begin, end) elements.
  struct ElementRange {
    size_t begin = 0, end = 0;
  };
  ElementRange unit_elements(int unit_index) const { return unit_elements_[unit_index - unit_begin_]; }
  // The units themselves, e.g. to account their memory.
  Unit& unit(int unit_index) { return *units_[unit_index - unit_begin_]; }

 private:
  // backward's walk over the units, whole (split false) or its input half.
  void walk_backward(const StepContext& ctx, const MicroBatchView& batch, int slot, bool split,
                     const std::function<void(int)>& after_unit);

  ModelConfig config_;
  std::vector<UnitPiece> pieces_;
  int unit_begin_, unit_end_;
  std::unique_ptr<ParameterTable> params_;
  std::vector<std::unique_ptr<Unit>> units_;
  std::vector<ElementRange> unit_elements_;
  Head* head_ = nullptr;
  // stream_[k][slot]: input of the chunk's unit k (k = 0 .. n); stream_[n] is
  // the chunk's output. Boundaries that do not exist (Embed's input, Head's
  // output) are empty buffers.
  std::vector<std::vector<Buffer<float>>> stream_;
  Buffer<float> grad_output_;                 // (samples, T, D)
  Buffer<float> grad_ping_, grad_pong_;       // (samples, T, D): gradients between units
  const float* grad_input_ = nullptr;
};

}  // namespace paratrain
