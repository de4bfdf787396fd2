#include "parallel/partial_gradient_reduce.h"

namespace paratrain {

void PartialGradientReduce::finish(uint32_t /*step*/) {
  for (ModelChunk* chunk : chunks_) {
    ParameterTable& params = chunk->params();
    for (const auto& entry : params.entries()) {
      if (entry.spec.partial_gradient) {
        group_.all_reduce_sum(params.grads() + entry.offset, static_cast<size_t>(entry.spec.numel()));
      }
    }
  }
}

}  // namespace paratrain
