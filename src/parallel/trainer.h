#pragma once
// The training loop of one rank: for each optimizer step, take this rank's
// share of the global batch, run forward and backward over its micro-batches,
// and step the optimizer. Records everything on the rank's timeline.
#include <cstdint>
#include <memory>

#include "core/memory.h"
#include "io/token_source.h"
#include "kernels/adamw.h"
#include "metrics/timeline.h"
#include "model/chunk.h"
#include "model/config.h"
#include "model/optimizer.h"
#include "model/workspace.h"

namespace paratrain {

struct TrainOptions {
  ModelConfig model;
  kernels::AdamWHyper adamw;
  uint32_t seed = 1234;
  int micro_batch = 0;  // samples per micro-batch; 0: the whole batch at once
};

struct StepResult {
  uint32_t step = 0;
  double loss = 0;     // mean cross-entropy over the global batch
  double seconds = 0;  // wall time of the step
};

class Trainer {
 public:
  Trainer(const TrainOptions& options, const TokenSource& data, MemoryTracker& tracker,
          Timeline& timeline);

  // Forward and backward over the step's batch: gradients accumulate in the
  // parameter table. Returns the mean loss.
  double forward_backward(uint32_t step);
  void optimizer_step();
  // Both, timed.
  StepResult train_step();

  ModelChunk& chunk() { return *chunk_; }
  uint32_t next_step() const { return next_step_; }
  int micro_batches() const { return options_.model.batch_size / micro_batch_; }

 private:
  TrainOptions options_;
  const TokenSource& data_;
  Timeline& timeline_;
  int micro_batch_;
  std::unique_ptr<Workspace> workspace_;
  std::unique_ptr<ModelChunk> chunk_;
  std::unique_ptr<AdamW> optimizer_;
  Buffer<int32_t> tokens_;   // (B, T) this rank's samples of the step
  Buffer<int32_t> targets_;  // (B, T)
  uint32_t next_step_ = 0;
};

}  // namespace paratrain
