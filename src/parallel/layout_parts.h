#pragma once
// The layout factory: builds the strategy parts a layout asks for, so that the
// trainer composes them without asking which layout it runs.
//   tensor parallelism   a TensorParallelGroup (of one rank without tp) and the units' view of it
//   sequence parallelism the view's flag, and PartialGradientReduce
//   data parallelism     GradientBuckets (bucketed all-reduce during backward)
//   ZeRO-1               padded parameter tables, ZeroGradientScatter and ShardedAdamW
//   otherwise            AdamW
#include <cstddef>
#include <memory>
#include <vector>

#include "comm/communicator.h"
#include "core/memory.h"
#include "kernels/adamw.h"
#include "metrics/timeline.h"
#include "model/chunk.h"
#include "model/tensor_parallel.h"
#include "parallel/gradient_sync.h"
#include "parallel/layout.h"
#include "parallel/optimizer.h"
#include "parallel/tensor_parallel_group.h"

namespace paratrain {

// The group of the rank's tensor-parallel axis (one rank without tp): its
// collectives are recorded on the timeline.
std::unique_ptr<MpiTensorParallelGroup> make_tensor_parallel_group(const ProcessGrid& grid,
                                                                   Timeline& timeline);
TensorParallel tensor_parallel_view(const Layout& layout, TensorParallelGroup& group);

// What the parameter tables are padded to: ZeRO-1 cuts them into dp equal shards.
size_t parameter_padding(const Layout& layout);

// The optimizer of one chunk's parameters.
std::unique_ptr<Optimizer> make_optimizer(const Layout& layout, const ProcessGrid& grid,
                                          ParameterTable& params, const kernels::AdamWHyper& hyper,
                                          MemoryTracker& tracker, Timeline& timeline);

// Every gradient exchange the layout needs, in the order the sums must happen:
// over the replicas first (buckets), then over the tensor-parallel group's
// partial gradients; with ZeRO-1 the partial sums come first, since the
// reduce-scatter leaves each rank only its shard.
std::unique_ptr<GradientSync> make_gradient_sync(const Layout& layout, const ProcessGrid& grid,
                                                 const std::vector<ModelChunk*>& chunks,
                                                 TensorParallelGroup& tp_group, Timeline& timeline);

}  // namespace paratrain
