#pragma once
// The optimizer of one model chunk, behind one interface so that the trainer
// does not care whether its state is whole or sharded (ZeRO-1), and so that a
// checkpoint can read and write that state (the moments and the step count).
#include <cstddef>
#include <cstdint>

#include "parallel/replica_holding.h"

namespace paratrain {

// The optimizer state a rank holds: AdamW's two moments for the elements
// [begin, begin + count) of its chunk's flat parameter arrays.
struct OptimizerState {
  float* moment1 = nullptr;  // (count)
  float* moment2 = nullptr;  // (count)
  size_t begin = 0;
  size_t count = 0;
  ReplicaHolding holding = ReplicaHolding::kWhole;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update with the step's gradients, already summed over the replicas by
  // the layout's gradient sync (parallel/gradient_sync.h). Records its own
  // events on the timeline.
  virtual void step(uint32_t step) = 0;
  virtual OptimizerState state() = 0;
  // Updates done so far (AdamW's t of the last one; 0 before the first); a
  // resumed run sets it from its checkpoint.
  long step_count() const { return step_count_; }
  void set_step_count(long count) { step_count_ = count; }

 protected:
  long step_count_ = 0;
};

}  // namespace paratrain
