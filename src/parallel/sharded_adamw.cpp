#include "parallel/sharded_adamw.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace paratrain {

ShardedAdamW::ShardedAdamW(MemoryTracker& tracker, ParameterTable& params,
                           const Communicator& data_parallel, const kernels::AdamWHyper& hyper,
                           Timeline& timeline)
    : params_(params),
      comm_(data_parallel),
      hyper_(hyper),
      timeline_(timeline),
      shard_begin_(0),
      shard_size_(params.padded_size() / data_parallel.size()) {
  PT_CHECK(params.padded_size() % data_parallel.size() == 0, "parameters not padded for ZeRO");
  shard_begin_ = shard_size_ * static_cast<size_t>(data_parallel.rank());
  moment1_ = Buffer<float>(tracker, MemoryCategory::kOptimizer, shard_size_);
  moment2_ = Buffer<float>(tracker, MemoryCategory::kOptimizer, shard_size_);
}

void ShardedAdamW::step(uint32_t step) {
  {
    ScopedEvent event(timeline_, EventKind::kAllReduce, step, -1, -1, "zero reduce-scatter");
    comm_.reduce_scatter_sum_in_place(params_.grads(), shard_size_);
  }
  {
    ScopedEvent event(timeline_, EventKind::kOptimizer, step);
    ++step_count_;
    const size_t shard_end = shard_begin_ + shard_size_;
    float* param_shard = params_.values() + shard_begin_;
    const float* grad_shard = params_.grads();  // the reduce-scatter's result
    // Each parameter's part inside the shard, with its own weight-decay rule.
    for (const auto& entry : params_.entries()) {
      const size_t begin = std::max(entry.offset, shard_begin_);
      const size_t end = std::min(entry.offset + static_cast<size_t>(entry.spec.numel()), shard_end);
      if (begin >= end) continue;
      const size_t at = begin - shard_begin_;
      kernels::adamw_step(param_shard + at, grad_shard + at, moment1_.data() + at,
                          moment2_.data() + at, end - begin, hyper_, entry.spec.decays(),
                          step_count_);
    }
  }
  ScopedEvent event(timeline_, EventKind::kAllReduce, step, -1, -1, "zero all-gather");
  comm_.all_gather_in_place(params_.values(), shard_size_);
}

}  // namespace paratrain
