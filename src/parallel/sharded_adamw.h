#pragma once
// ZeRO stage 1 (and Megatron's distributed optimizer): the AdamW moments and
// the update are sharded over the data-parallel group. Each step the
// gradients are reduce-scattered (ZeroGradientScatter, a GradientSync: each
// rank gets the group's sum of its 1/dp of them), each rank updates its 1/dp
// of the parameters, and the updated parameters are all-gathered. Same
// arithmetic as AdamW on the summed gradients, a dp-th of the optimizer state
// per rank.
#include "comm/communicator.h"
#include "core/memory.h"
#include "kernels/adamw.h"
#include "metrics/timeline.h"
#include "model/parameters.h"
#include "parallel/optimizer.h"

namespace paratrain {

// The elements [begin, begin + size) of a table's flat (padded) arrays that
// this rank of the data-parallel group owns under ZeRO-1.
struct DataParallelShard {
  size_t begin = 0;
  size_t size = 0;
};
// params must be padded to a multiple of the group's size.
DataParallelShard data_parallel_shard(const ParameterTable& params, const Communicator& data_parallel);

class ShardedAdamW : public Optimizer {
 public:
  ShardedAdamW(MemoryTracker& tracker, ParameterTable& params, const Communicator& data_parallel,
               const kernels::AdamWHyper& hyper, Timeline& timeline);
  // Expects the summed gradient shard at the front of the gradient array,
  // where ZeroGradientScatter leaves it.
  void step(uint32_t step) override;
  OptimizerState state() override;

 private:
  ParameterTable& params_;
  const Communicator& comm_;
  kernels::AdamWHyper hyper_;
  Timeline& timeline_;
  DataParallelShard shard_;
  Buffer<float> moment1_, moment2_;  // (shard)
  // No buffers of its own for the exchange: the reduce-scatter leaves the
  // summed gradient shard at the front of the gradient array (dead after
  // backward), and the update writes the parameters' shard in place, from
  // where the all-gather sends it.
};

}  // namespace paratrain
