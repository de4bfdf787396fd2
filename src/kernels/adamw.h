#pragma once
// AdamW with torch.optim.AdamW semantics (MODEL.md).
#include <cstddef>

namespace paratrain::kernels {

struct AdamWHyper {
  float lr = 3e-4f;
  float beta1 = 0.9f;
  float beta2 = 0.95f;
  float eps = 1e-8f;
  float weight_decay = 0.1f;
};

// One step (step_count >= 1) on `count` elements. decay: apply weight decay
// (MODEL.md: only to parameters with 2 or more dimensions).
void adamw_step(float* param, const float* grad, float* moment1, float* moment2, size_t count,
                const AdamWHyper& hyper, bool decay, long step_count);

}  // namespace paratrain::kernels
