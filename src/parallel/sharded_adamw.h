#pragma once
// ZeRO stage 1 (and Megatron's distributed optimizer): the AdamW moments and
// the update are sharded over the data-parallel group. Each step the
// gradients are reduce-scattered (each rank gets the group's sum of its
// 1/dp of them), each rank updates its 1/dp of the parameters, and the
// updated parameters are all-gathered. Same arithmetic as AdamW on the summed
// gradients, a dp-th of the optimizer state per rank.
#include "comm/communicator.h"
#include "core/memory.h"
#include "kernels/adamw.h"
#include "metrics/timeline.h"
#include "model/parameters.h"

namespace paratrain {

class ShardedAdamW {
 public:
  // params must be padded to a multiple of the group's size.
  ShardedAdamW(MemoryTracker& tracker, ParameterTable& params, const Communicator& data_parallel,
               const kernels::AdamWHyper& hyper, Timeline& timeline);
  void step(uint32_t step);

 private:
  ParameterTable& params_;
  const Communicator& comm_;
  kernels::AdamWHyper hyper_;
  Timeline& timeline_;
  size_t shard_begin_, shard_size_;  // elements of the flat (padded) arrays
  Buffer<float> moment1_, moment2_;  // (shard)
  // No buffers of its own for the exchange: the reduce-scatter leaves the
  // summed gradient shard at the front of the gradient array (dead after
  // backward), and the update writes the parameters' shard in place, from
  // where the all-gather sends it.
  long step_count_ = 0;
};

}  // namespace paratrain
