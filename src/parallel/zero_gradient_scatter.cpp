#include "parallel/zero_gradient_scatter.h"

#include "parallel/sharded_adamw.h"

namespace paratrain {

void ZeroGradientScatter::finish(uint32_t step) {
  for (ModelChunk* chunk : chunks_) {
    ParameterTable& params = chunk->params();
    const DataParallelShard shard = data_parallel_shard(params, comm_);
    ScopedEvent event(timeline_, EventKind::kReduceScatter, step, -1, -1, "zero reduce-scatter");
    comm_.reduce_scatter_sum_in_place(params.grads(), shard.size);
  }
}

}  // namespace paratrain
