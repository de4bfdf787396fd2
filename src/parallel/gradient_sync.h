#pragma once
// What happens to a step's gradients between backward and the optimizer, as
// parts that compose: data parallelism's bucketed all-reduce
// (parallel/gradient_buckets.h), sequence parallelism's sum of the replicated
// parameters' partial gradients (parallel/partial_gradient_reduce.h), ZeRO-1's
// reduce-scatter (parallel/zero_gradient_scatter.h). The layout factory
// (parallel/layout_parts.h) chains the ones a layout needs, in the order
// their sums must happen.
#include <cstdint>
#include <memory>
#include <vector>

namespace paratrain {

class GradientSync {
 public:
  virtual ~GradientSync() = default;
  // Unit `unit_index` of the rank's chunk `chunk` has finished its last
  // backward of the step: its parameter gradients are final on this rank.
  virtual void on_unit_done(int chunk, int unit_index) = 0;
  // Every backward of the step is done: complete the exchange.
  virtual void finish(uint32_t step) = 0;
};

// Parts run in the order they were added, at each call.
class GradientSyncChain : public GradientSync {
 public:
  void add(std::unique_ptr<GradientSync> part) { parts_.push_back(std::move(part)); }
  int size() const { return static_cast<int>(parts_.size()); }
  void on_unit_done(int chunk, int unit_index) override {
    for (auto& part : parts_) part->on_unit_done(chunk, unit_index);
  }
  void finish(uint32_t step) override {
    for (auto& part : parts_) part->finish(step);
  }

 private:
  std::vector<std::unique_ptr<GradientSync>> parts_;
};

}  // namespace paratrain
