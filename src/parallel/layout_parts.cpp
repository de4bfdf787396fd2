#include "parallel/layout_parts.h"

#include "parallel/adamw.h"
#include "parallel/gradient_buckets.h"
#include "parallel/partial_gradient_reduce.h"
#include "parallel/sharded_adamw.h"
#include "parallel/zero_gradient_scatter.h"

namespace paratrain {

std::unique_ptr<MpiTensorParallelGroup> make_tensor_parallel_group(const ProcessGrid& grid,
                                                                   Timeline& timeline) {
  return std::make_unique<MpiTensorParallelGroup>(grid.axis(Axis::kTensor), timeline);
}

TensorParallel tensor_parallel_view(const Layout& layout, TensorParallelGroup& group) {
  return {&group, layout.sequence_parallel};
}

size_t parameter_padding(const Layout& layout) {
  return layout.zero == ZeroStage::kOptimizerState ? static_cast<size_t>(layout.grid.dp) : 1;
}

std::unique_ptr<Optimizer> make_optimizer(const Layout& layout, const ProcessGrid& grid,
                                          ParameterTable& params, const kernels::AdamWHyper& hyper,
                                          MemoryTracker& tracker, Timeline& timeline) {
  if (layout.zero == ZeroStage::kOptimizerState) {
    return std::make_unique<ShardedAdamW>(tracker, params, grid.axis(Axis::kData), hyper, timeline);
  }
  return std::make_unique<AdamW>(tracker, params, hyper, timeline);
}

std::unique_ptr<GradientSync> make_gradient_sync(const Layout& layout, const ProcessGrid& grid,
                                                 const std::vector<ModelChunk*>& chunks,
                                                 TensorParallelGroup& tp_group, Timeline& timeline) {
  auto chain = std::make_unique<GradientSyncChain>();
  const bool zero = layout.zero == ZeroStage::kOptimizerState;
  const bool partial_gradients = layout.grid.tp > 1 && layout.sequence_parallel;
  if (layout.grid.dp > 1 && !zero) {
    chain->add(std::make_unique<GradientBuckets>(chunks, grid.axis(Axis::kData),
                                                 layout.bucket_bytes, timeline));
  }
  if (partial_gradients) chain->add(std::make_unique<PartialGradientReduce>(chunks, tp_group));
  if (zero) {
    chain->add(std::make_unique<ZeroGradientScatter>(chunks, grid.axis(Axis::kData), timeline));
  }
  return chain;
}

}  // namespace paratrain
