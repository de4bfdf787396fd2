#include "model/tensor_parallel.h"

namespace paratrain {

void copy_to_tensor_region_backward(const TensorParallel& tp, float* grad, size_t count) {
  if (tp.active()) tp.group->all_reduce_sum(grad, count);
}

void reduce_from_tensor_region(const TensorParallel& tp, float* data, size_t count) {
  if (tp.active()) tp.group->all_reduce_sum(data, count);
}

}  // namespace paratrain
