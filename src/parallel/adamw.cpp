#include "parallel/adamw.h"

namespace paratrain {

AdamW::AdamW(MemoryTracker& tracker, ParameterTable& params, const kernels::AdamWHyper& hyper,
             Timeline& timeline)
    : params_(params),
      hyper_(hyper),
      timeline_(timeline),
      moment1_(tracker, MemoryCategory::kOptimizer, params.size()),
      moment2_(tracker, MemoryCategory::kOptimizer, params.size()) {}

void AdamW::step(uint32_t step) {
  ScopedEvent event(timeline_, EventKind::kOptimizer, step);
  ++step_count_;
  for (const auto& entry : params_.entries()) {
    const size_t offset = entry.offset, count = static_cast<size_t>(entry.spec.numel());
    kernels::adamw_step(params_.values() + offset, params_.grads() + offset,
                        moment1_.data() + offset, moment2_.data() + offset, count, hyper_,
                        entry.spec.decays(), step_count_);
  }
}

OptimizerState AdamW::state() {
  return {moment1_.data(), moment2_.data(), 0, moment1_.size(), ReplicaHolding::kWhole};
}

}  // namespace paratrain
