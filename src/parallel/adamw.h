#pragma once
// AdamW over one chunk's parameter table, with its whole moments on every replica.
#include "core/memory.h"
#include "kernels/adamw.h"
#include "metrics/timeline.h"
#include "model/parameters.h"
#include "parallel/optimizer.h"

namespace paratrain {

class AdamW : public Optimizer {
 public:
  AdamW(MemoryTracker& tracker, ParameterTable& params, const kernels::AdamWHyper& hyper,
        Timeline& timeline);
  void step(uint32_t step) override;
  OptimizerState state() override;

 private:
  ParameterTable& params_;
  kernels::AdamWHyper hyper_;
  Timeline& timeline_;
  Buffer<float> moment1_;  // same layout as the parameter table (unpadded)
  Buffer<float> moment2_;
};

}  // namespace paratrain
