#pragma once
// ZeRO-1's gradient sync: each chunk's gradients are reduce-scattered over the
// data-parallel group, leaving this rank's shard of the group's sum at the
// front of the gradient array, where ShardedAdamW reads it.
#include <vector>

#include "comm/communicator.h"
#include "metrics/timeline.h"
#include "model/chunk.h"
#include "parallel/gradient_sync.h"

namespace paratrain {

class ZeroGradientScatter : public GradientSync {
 public:
  ZeroGradientScatter(std::vector<ModelChunk*> chunks, const Communicator& data_parallel,
                      Timeline& timeline)
      : chunks_(std::move(chunks)), comm_(data_parallel), timeline_(timeline) {}
  void on_unit_done(int /*chunk*/, int /*unit_index*/) override {}
  void finish(uint32_t step) override;

 private:
  std::vector<ModelChunk*> chunks_;
  const Communicator& comm_;
  Timeline& timeline_;
};

}  // namespace paratrain
