#pragma once
// The model's TensorParallelGroup over the tensor-parallel communicator: every
// collective is recorded on the rank's timeline as blocked communication, so
// traces and the exposed-communication figure show them.
#include "comm/communicator.h"
#include "metrics/timeline.h"
#include "model/tensor_parallel.h"

namespace paratrain {

class MpiTensorParallelGroup : public TensorParallelGroup {
 public:
  MpiTensorParallelGroup(const Communicator& comm, Timeline& timeline)
      : comm_(comm), timeline_(timeline) {}
  void set_step(uint32_t step) { step_ = step; }

  int rank() const override { return comm_.rank(); }
  int size() const override { return comm_.size(); }
  void all_reduce_sum(float* data, size_t count) override;
  void all_reduce_max(float* data, size_t count) override;
  void all_gather(const float* in, float* out, size_t count_per_rank) override;
  void reduce_scatter_sum(const float* in, float* out, size_t count_per_rank) override;

 private:
  const Communicator& comm_;
  Timeline& timeline_;
  uint32_t step_ = 0;
};

}  // namespace paratrain
