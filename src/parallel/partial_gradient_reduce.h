#pragma once
// Sequence parallelism's gradient sync: the parameters replicated over the
// tensor-parallel group (LayerNorms, row-parallel biases, pos_emb) saw only
// this rank's positions, so each rank's gradient is a part; the group sums
// them (the parameters whose spec says partial_gradient).
#include <vector>

#include "model/chunk.h"
#include "model/tensor_parallel.h"
#include "parallel/gradient_sync.h"

namespace paratrain {

class PartialGradientReduce : public GradientSync {
 public:
  PartialGradientReduce(std::vector<ModelChunk*> chunks, TensorParallelGroup& group)
      : chunks_(std::move(chunks)), group_(group) {}
  void on_unit_done(int /*chunk*/, int /*unit_index*/) override {}
  void finish(uint32_t step) override;

 private:
  std::vector<ModelChunk*> chunks_;
  TensorParallelGroup& group_;  // records its collectives on the timeline
};

}  // namespace paratrain
