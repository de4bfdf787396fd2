#include "parallel/tensor_parallel_group.h"

namespace paratrain {

void MpiTensorParallelGroup::all_reduce_sum(float* data, size_t count) {
  ScopedEvent event(timeline_, EventKind::kAllReduce, step_, -1, -1, "tp all-reduce");
  comm_.all_reduce_sum(data, count);
}

void MpiTensorParallelGroup::all_reduce_max(float* data, size_t count) {
  ScopedEvent event(timeline_, EventKind::kAllReduce, step_, -1, -1, "tp all-reduce max");
  comm_.all_reduce_max(data, count);
}

void MpiTensorParallelGroup::all_gather(const float* in, float* out, size_t count_per_rank) {
  ScopedEvent event(timeline_, EventKind::kAllGather, step_, -1, -1, "tp all-gather");
  comm_.all_gather(in, out, count_per_rank);
}

void MpiTensorParallelGroup::reduce_scatter_sum(const float* in, float* out,
                                                size_t count_per_rank) {
  ScopedEvent event(timeline_, EventKind::kReduceScatter, step_, -1, -1, "tp reduce-scatter");
  comm_.reduce_scatter_sum(in, out, count_per_rank);
}

}  // namespace paratrain
