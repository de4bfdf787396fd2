#include "parallel/sharded_adamw.h"

#include <algorithm>

#include "core/error.h"

namespace paratrain {

DataParallelShard data_parallel_shard(const ParameterTable& params,
                                      const Communicator& data_parallel) {
  const size_t ranks = static_cast<size_t>(data_parallel.size());
  PT_CHECK(params.padded_size() % ranks == 0, "parameters not padded for ZeRO");
  const size_t size = params.padded_size() / ranks;
  return {size * static_cast<size_t>(data_parallel.rank()), size};
}

ShardedAdamW::ShardedAdamW(MemoryTracker& tracker, ParameterTable& params,
                           const Communicator& data_parallel, const kernels::AdamWHyper& hyper,
                           Timeline& timeline)
    : params_(params),
      comm_(data_parallel),
      hyper_(hyper),
      timeline_(timeline),
      shard_(data_parallel_shard(params, data_parallel)),
      moment1_(tracker, MemoryCategory::kOptimizer, shard_.size),
      moment2_(tracker, MemoryCategory::kOptimizer, shard_.size) {}

void ShardedAdamW::step(uint32_t step) {
  {
    ScopedEvent event(timeline_, EventKind::kOptimizer, step);
    ++step_count_;
    const size_t shard_end = shard_.begin + shard_.size;
    float* param_shard = params_.values() + shard_.begin;
    const float* grad_shard = params_.grads();  // the reduce-scatter's result
    // Each parameter's part inside the shard, with its own weight-decay rule.
    for (const auto& entry : params_.entries()) {
      const size_t begin = std::max(entry.offset, shard_.begin);
      const size_t end = std::min(entry.offset + static_cast<size_t>(entry.spec.numel()), shard_end);
      if (begin >= end) continue;
      const size_t at = begin - shard_.begin;
      kernels::adamw_step(param_shard + at, grad_shard + at, moment1_.data() + at,
                          moment2_.data() + at, end - begin, hyper_, entry.spec.decays(),
                          step_count_);
    }
  }
  ScopedEvent event(timeline_, EventKind::kAllGather, step, -1, -1, "zero all-gather");
  comm_.all_gather_in_place(params_.values(), shard_.size);
}

OptimizerState ShardedAdamW::state() {
  return {moment1_.data(), moment2_.data(), shard_.begin, shard_.size, ReplicaHolding::kSharded};
}

}  // namespace paratrain
