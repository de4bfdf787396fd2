#pragma once
// Runs one rank's lowered list of pipeline actions (DESIGN.md principle 3,
// schedule_lowering.h): forwards, backwards and split-off weight gradients
// (W, zero-bubble schedules) on its chunks, blocking
// receives and non-blocking sends to the peers the list names. It knows no
// rule of who talks to whom; the validator has checked the list.
#include <functional>
#include <vector>

#include "comm/communicator.h"
#include "core/memory.h"
#include "metrics/timeline.h"
#include "model/chunk.h"
#include "parallel/schedule.h"

namespace paratrain {

class PipelineExecutor {
 public:
  // chunks[c] is this rank's chunk c (model stage c * p + pp_rank); `schedule`
  // is this rank's lowered list.
  PipelineExecutor(std::vector<ModelChunk*> chunks, const PipelineShape& shape, int pp_rank,
                   const Communicator& pipeline, RankSchedule schedule, MemoryTracker& tracker,
                   Timeline& timeline, size_t activation_elements);

  using BatchOf = std::function<MicroBatchView(int micro_batch)>;
  // Called with (chunk, unit) when a unit's gradients are final for the step.
  using OnFinalGradient = std::function<void(int chunk, int unit)>;
  void run_step(const StepContext& ctx, const BatchOf& batch_of,
                const OnFinalGradient& on_final_gradient);

  // Activation slots each chunk needs: the lowered list's peak in-flight micro-batches.
  static int slots_needed(const RankSchedule& schedule, int chunk);

  // Zero-bubble lists defer W; with this on, a receive whose message has not
  // arrived first runs the list's next W instead of waiting, if its B has run
  // (W's keep their order among themselves, and a chunk's last W, which makes
  // its gradients final, stays in place). W writes only the linear layers'
  // weight gradients, which no F, B or transfer reads, so the numbers are
  // bit for bit those of the list in order. Off where a W holds a collective
  // (tensor parallelism with sequence parallelism): the group must agree on
  // the order.
  void fill_waits_with_weights(bool on) { fill_waits_ = on; }
  // W's run early this way since construction.
  int64_t weights_run_early() const { return weights_run_early_; }

 private:
  struct ChunkState {
    ModelChunk* chunk = nullptr;
    int model_stage = 0;
    // Index in the schedule of the chunk's last backward or W: its gradients are final there.
    int last_gradient = -1;
    std::vector<bool> split;   // micro-batch -> a W computes its weight gradients
    int backward_slot = -1;    // slot of the chunk's latest backward: its gradient to send
    std::vector<int> slot_of;  // micro-batch -> slot, -1 when not in flight
    std::vector<int> free_slots;
    std::vector<Request> activation_sends;    // per slot: output(slot) on its way
    std::vector<Request> gradient_sends;      // per slot: gradient_out[slot] on its way
    std::vector<Buffer<float>> gradient_out;  // per slot: d loss / d input, being sent
  };
  void run_action(const StepContext& ctx, int action_idx, const BatchOf& batch_of,
                  const OnFinalGradient& on_final_gradient);
  void receive_activation(const StepContext& ctx, const Action& action);
  void forward(const StepContext& ctx, const Action& action, const MicroBatchView& batch);
  void send_activation(const Action& action);
  void receive_gradient(const StepContext& ctx, const Action& action);
  void backward(const StepContext& ctx, const Action& action, const MicroBatchView& batch,
                bool final_gradient, const OnFinalGradient& on_final_gradient);
  void send_gradient(const StepContext& ctx, const Action& action);
  void weight_gradient(const StepContext& ctx, const Action& action, const MicroBatchView& batch,
                       bool final_gradient, const OnFinalGradient& on_final_gradient);
  // Gives the micro-batch's activation slot back.
  static void release_slot(ChunkState& state, int micro_batch);
  void wait_for_sends(const StepContext& ctx);
  // The micro-batch's activation slot on the chunk, taken from the free ones if it has none.
  int take_slot(ChunkState& state, int micro_batch);
  // A message's tag: its micro-batch, the model stage it goes to, and which way.
  int tag(int micro_batch, int to_model_stage, bool gradient) const;
  // Before the receive at `receive_idx`: runs the next pending W while the
  // message is not there and that W may run now.
  void fill_wait(const StepContext& ctx, int receive_idx, const BatchOf& batch_of,
                 const OnFinalGradient& on_final_gradient);
  bool message_arrived(const Action& receive) const;

  PipelineShape shape_;
  int pp_rank_;
  const Communicator& pipeline_;
  RankSchedule schedule_;
  Timeline& timeline_;
  size_t activation_elements_;  // (micro_batch, T, D)
  std::vector<ChunkState> states_;
  std::vector<int> backward_of_;  // action index -> its B's index, for a W; -1 otherwise
  std::vector<bool> done_;        // per action of the current step
  bool fill_waits_ = false;
  int64_t weights_run_early_ = 0;
};

}  // namespace paratrain
