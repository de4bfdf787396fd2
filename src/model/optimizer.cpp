#include "model/optimizer.h"

namespace paratrain {

AdamW::AdamW(MemoryTracker& tracker, const ParameterTable& params,
             const kernels::AdamWHyper& hyper)
    : hyper_(hyper),
      moment1_(tracker, MemoryCategory::kOptimizer, params.size()),
      moment2_(tracker, MemoryCategory::kOptimizer, params.size()) {}

void AdamW::step(ParameterTable& params) {
  ++step_count_;
  for (const auto& entry : params.entries()) {
    const size_t offset = entry.offset, count = static_cast<size_t>(entry.spec.numel());
    kernels::adamw_step(params.values() + offset, params.grads() + offset,
                        moment1_.data() + offset, moment2_.data() + offset, count, hyper_,
                        entry.spec.decays(), step_count_);
  }
}

}  // namespace paratrain
