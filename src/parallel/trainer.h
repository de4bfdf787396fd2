#pragma once
// The training loop of one rank under a layout: for each optimizer step, take
// this replica's share of the global batch, run the rank's pipeline actions
// over its chunks, let the layout's gradient sync sum the gradients, and step
// the optimizers. The strategy parts come from the layout factory
// (parallel/layout_parts.h); the trainer only composes them. Everything is
// recorded on the rank's timeline.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "core/memory.h"
#include "io/token_source.h"
#include "kernels/adamw.h"
#include "metrics/timeline.h"
#include "model/chunk.h"
#include "model/config.h"
#include "model/workspace.h"
#include "parallel/gradient_sync.h"
#include "parallel/layout.h"
#include "parallel/optimizer.h"
#include "parallel/pipeline_executor.h"
#include "parallel/tensor_parallel_group.h"

namespace paratrain {

struct TrainOptions {
  ModelConfig model;
  kernels::AdamWHyper adamw;
  uint32_t seed = 1234;
};

struct StepResult {
  uint32_t step = 0;
  double loss = 0;     // mean cross-entropy over the global batch (on every rank)
  double seconds = 0;  // wall time of the step on this rank
};

class Trainer {
 public:
  // The layout must have passed check_layout for grid.world().size() ranks.
  Trainer(const TrainOptions& options, const Layout& layout, const ProcessGrid& grid,
          const TokenSource& data, MemoryTracker& tracker, Timeline& timeline);
  ~Trainer();

  // Forward and backward over the step's batch, gradients synced as the
  // layout needs (summed over the replicas and the tensor-parallel group).
  void forward_backward(uint32_t step);
  // Collective: the step's mean loss over the global batch, on every rank.
  double global_loss(uint32_t step);
  void optimizer_step();
  // Both, timed; advances the step counter.
  StepResult train_step();

  const std::vector<std::unique_ptr<ModelChunk>>& chunks() { return chunks_; }
  ModelChunk* last_stage_chunk();  // the chunk with the Head, if this rank has it
  const Layout& layout() const { return layout_; }
  // Deferred W's run early to fill a receive's wait (parallel/pipeline_executor.h), so far.
  int64_t weights_run_early() const;
  uint32_t next_step() const { return next_step_; }
  // A resumed run continues at the checkpoint's step.
  void set_next_step(uint32_t step) { next_step_ = step; }
  const TrainOptions& options() const { return options_; }
  const ProcessGrid& grid() const { return grid_; }
  // First global sample index of this rank's replica.
  uint32_t replica_first_sample() const;

  // Collective: rank 0 writes every parameter of the model to a safetensors file.
  void save_parameters(const std::string& path);
  // The optimizer of chunk `chunk` (its state, for checkpoints).
  Optimizer& optimizer(int chunk) { return *optimizers_[chunk]; }

 private:
  MicroBatchView micro_batch_view(int micro_batch) const;

  TrainOptions options_;
  Layout layout_;
  const ProcessGrid& grid_;
  const TokenSource& data_;
  Timeline& timeline_;
  std::vector<int> partition_;  // blocks per model stage
  std::unique_ptr<MpiTensorParallelGroup> tp_group_;  // of one rank without tp
  TensorParallel tp_;
  std::unique_ptr<Workspace> workspace_;
  std::vector<std::unique_ptr<ModelChunk>> chunks_;       // one per virtual stage
  std::vector<std::unique_ptr<Optimizer>> optimizers_;    // one per chunk
  std::unique_ptr<GradientSync> gradient_sync_;
  std::unique_ptr<PipelineExecutor> executor_;
  Buffer<int32_t> tokens_;   // (replica batch, T)
  Buffer<int32_t> targets_;  // (replica batch, T)
  uint32_t next_step_ = 0;
};

}  // namespace paratrain
