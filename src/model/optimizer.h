#pragma once
// AdamW over a rank's parameter table, with its moments (optimizer state).
#include "core/memory.h"
#include "kernels/adamw.h"
#include "model/parameters.h"

namespace paratrain {

class AdamW {
 public:
  AdamW(MemoryTracker& tracker, const ParameterTable& params, const kernels::AdamWHyper& hyper);
  // One step with the gradients in params.grads(); the step count starts at 1.
  void step(ParameterTable& params);
  long step_count() const { return step_count_; }

 private:
  kernels::AdamWHyper hyper_;
  Buffer<float> moment1_;  // same layout as the parameter table
  Buffer<float> moment2_;
  long step_count_ = 0;
};

}  // namespace paratrain
