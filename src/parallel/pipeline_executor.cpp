#include "parallel/pipeline_executor.h"

#include <cstring>

#include "core/error.h"

namespace paratrain {

int PipelineExecutor::slots_needed(const RankSchedule& schedule, int chunk) {
  return std::max(1, peak_in_flight(schedule, chunk));
}

PipelineExecutor::PipelineExecutor(std::vector<ModelChunk*> chunks, const PipelineShape& shape,
                                   int pp_rank, const Communicator& pipeline, RankSchedule schedule,
                                   MemoryTracker& tracker, Timeline& timeline,
                                   size_t activation_elements)
    : shape_(shape),
      pp_rank_(pp_rank),
      pipeline_(pipeline),
      schedule_(std::move(schedule)),
      timeline_(timeline),
      activation_elements_(activation_elements) {
  PT_CHECK(static_cast<int>(chunks.size()) == shape.virtual_stages, "one chunk per virtual stage");
  std::vector<bool> sends_gradients(chunks.size(), false);
  for (int action_idx = 0; action_idx < static_cast<int>(schedule_.size()); ++action_idx) {
    const Action& action = schedule_[action_idx];
    if (action.kind == ActionKind::kSendB) sends_gradients[action.chunk] = true;
  }
  states_.resize(chunks.size());
  for (int chunk_idx = 0; chunk_idx < shape.virtual_stages; ++chunk_idx) {
    ChunkState& state = states_[chunk_idx];
    state.chunk = chunks[chunk_idx];
    state.model_stage = model_stage(shape, pp_rank, chunk_idx);
    const int slots = slots_needed(schedule_, chunk_idx);
    state.slot_of.assign(shape.micro_batches, -1);
    for (int slot = slots - 1; slot >= 0; --slot) state.free_slots.push_back(slot);
    state.activation_sends.resize(slots);
    state.gradient_sends.resize(slots);
    if (sends_gradients[chunk_idx]) {
      for (int slot = 0; slot < slots; ++slot) {
        state.gradient_out.emplace_back(tracker, MemoryCategory::kComm, activation_elements);
      }
    }
  }
  for (int action_idx = 0; action_idx < static_cast<int>(schedule_.size()); ++action_idx) {
    const Action& action = schedule_[action_idx];
    ChunkState& state = states_[action.chunk];
    if (action.kind == ActionKind::kBackward) state.last_gradient = action_idx;
    if (action.kind != ActionKind::kWeight) continue;
    state.last_gradient = action_idx;
    if (state.split.empty()) {
      state.split.assign(shape.micro_batches, false);
      state.chunk->allow_split_backward(tracker);
    }
    state.split[action.micro_batch] = true;
  }
  backward_of_.assign(schedule_.size(), -1);
  for (int w_idx = 0; w_idx < static_cast<int>(schedule_.size()); ++w_idx) {
    if (schedule_[w_idx].kind != ActionKind::kWeight) continue;
    for (int b_idx = 0; b_idx < w_idx; ++b_idx) {
      const Action& b = schedule_[b_idx];
      if (b.kind == ActionKind::kBackward && b.micro_batch == schedule_[w_idx].micro_batch &&
          b.chunk == schedule_[w_idx].chunk) {
        backward_of_[w_idx] = b_idx;
      }
    }
  }
}

int PipelineExecutor::tag(int micro_batch, int to_model_stage, bool gradient) const {
  return (micro_batch * shape_.model_stages() + to_model_stage) * 2 + (gradient ? 1 : 0);
}

int PipelineExecutor::take_slot(ChunkState& state, int micro_batch) {
  if (state.slot_of[micro_batch] >= 0) return state.slot_of[micro_batch];
  PT_CHECK(!state.free_slots.empty(), "no free activation slot: the schedule exceeds its peak");
  const int slot = state.free_slots.back();
  state.free_slots.pop_back();
  state.slot_of[micro_batch] = slot;
  return slot;
}

void PipelineExecutor::run_step(const StepContext& ctx, const BatchOf& batch_of,
                                const OnFinalGradient& on_final_gradient) {
  done_.assign(schedule_.size(), false);
  for (int action_idx = 0; action_idx < static_cast<int>(schedule_.size()); ++action_idx) {
    if (done_[action_idx]) continue;  // a W that filled an earlier wait
    if (fill_waits_ && is_receive(schedule_[action_idx].kind)) {
      fill_wait(ctx, action_idx, batch_of, on_final_gradient);
    }
    run_action(ctx, action_idx, batch_of, on_final_gradient);
    done_[action_idx] = true;
  }
  wait_for_sends(ctx);
}

void PipelineExecutor::fill_wait(const StepContext& ctx, int receive_idx, const BatchOf& batch_of,
                                 const OnFinalGradient& on_final_gradient) {
  while (!message_arrived(schedule_[receive_idx])) {
    // The list's next W not yet run: everything before receive_idx has run,
    // so that is the first pending one after it.
    int w_idx = receive_idx + 1;
    while (w_idx < static_cast<int>(schedule_.size()) &&
           (schedule_[w_idx].kind != ActionKind::kWeight || done_[w_idx])) {
      ++w_idx;
    }
    if (w_idx == static_cast<int>(schedule_.size())) return;
    const Action& weight = schedule_[w_idx];
    const bool backward_ran = backward_of_[w_idx] >= 0 && backward_of_[w_idx] < receive_idx;
    if (!backward_ran || w_idx == states_[weight.chunk].last_gradient) return;
    run_action(ctx, w_idx, batch_of, on_final_gradient);
    done_[w_idx] = true;
    ++weights_run_early_;
  }
}

bool PipelineExecutor::message_arrived(const Action& receive) const {
  const bool gradient = receive.kind == ActionKind::kRecvB;
  return pipeline_.has_message(receive.peer_rank,
                               tag(receive.micro_batch, states_[receive.chunk].model_stage, gradient));
}

void PipelineExecutor::run_action(const StepContext& ctx, int action_idx, const BatchOf& batch_of,
                                  const OnFinalGradient& on_final_gradient) {
  const Action& action = schedule_[action_idx];
  switch (action.kind) {
    case ActionKind::kRecvF:
      receive_activation(ctx, action);
      return;
    case ActionKind::kForward:
      forward(ctx, action, batch_of(action.micro_batch));
      return;
    case ActionKind::kSendF:
      send_activation(action);
      return;
    case ActionKind::kRecvB:
      receive_gradient(ctx, action);
      return;
    case ActionKind::kBackward:
      backward(ctx, action, batch_of(action.micro_batch),
               action_idx == states_[action.chunk].last_gradient, on_final_gradient);
      return;
    case ActionKind::kWeight:
      weight_gradient(ctx, action, batch_of(action.micro_batch),
                      action_idx == states_[action.chunk].last_gradient, on_final_gradient);
      return;
    case ActionKind::kSendB:
      send_gradient(ctx, action);
      return;
  }
}

// Sends still in flight must land before their buffers are written again.
void PipelineExecutor::wait_for_sends(const StepContext& ctx) {
  bool pending = false;
  for (auto& state : states_) {
    for (auto& request : state.activation_sends) pending = pending || request.active();
    for (auto& request : state.gradient_sends) pending = pending || request.active();
  }
  if (!pending) return;
  ScopedEvent event(timeline_, EventKind::kSend, ctx.step);
  for (auto& state : states_) {
    for (auto& request : state.activation_sends) request.wait();
    for (auto& request : state.gradient_sends) request.wait();
  }
}

void PipelineExecutor::receive_activation(const StepContext& ctx, const Action& action) {
  ChunkState& state = states_[action.chunk];
  const int slot = take_slot(state, action.micro_batch);
  ScopedEvent event(timeline_, EventKind::kRecv, ctx.step, action.micro_batch, action.chunk);
  pipeline_.recv(state.chunk->input(slot), activation_elements_, action.peer_rank,
                 tag(action.micro_batch, state.model_stage, false));
}

void PipelineExecutor::forward(const StepContext& ctx, const Action& action,
                               const MicroBatchView& batch) {
  ChunkState& state = states_[action.chunk];
  const int slot = take_slot(state, action.micro_batch);
  if (state.activation_sends[slot].active()) {
    ScopedEvent event(timeline_, EventKind::kSend, ctx.step, action.micro_batch, action.chunk);
    state.activation_sends[slot].wait();
  }
  ScopedEvent event(timeline_, EventKind::kForward, ctx.step, action.micro_batch, action.chunk);
  state.chunk->forward(ctx, batch, slot);
}

void PipelineExecutor::send_activation(const Action& action) {
  ChunkState& state = states_[action.chunk];
  const int slot = state.slot_of[action.micro_batch];
  PT_CHECK(slot >= 0, "activation send of a micro-batch that is not in flight");
  state.activation_sends[slot] = pipeline_.isend(
      state.chunk->output(slot), activation_elements_, action.peer_rank,
      tag(action.micro_batch, model_stage(shape_, action.peer_rank, action.peer_chunk), false));
}

void PipelineExecutor::receive_gradient(const StepContext& ctx, const Action& action) {
  ChunkState& state = states_[action.chunk];
  ScopedEvent event(timeline_, EventKind::kRecv, ctx.step, action.micro_batch, action.chunk);
  pipeline_.recv(state.chunk->grad_output(), activation_elements_, action.peer_rank,
                 tag(action.micro_batch, state.model_stage, true));
}

void PipelineExecutor::backward(const StepContext& ctx, const Action& action,
                                const MicroBatchView& batch, bool final_gradient,
                                const OnFinalGradient& on_final_gradient) {
  ChunkState& state = states_[action.chunk];
  const int slot = state.slot_of[action.micro_batch];
  PT_CHECK(slot >= 0, "backward of a micro-batch that was not forwarded");
  const bool split = !state.split.empty() && state.split[action.micro_batch];
  {
    ScopedEvent event(timeline_, EventKind::kBackward, ctx.step, action.micro_batch, action.chunk);
    std::function<void(int)> after_unit;
    if (final_gradient && on_final_gradient) {
      after_unit = [&](int unit) { on_final_gradient(action.chunk, unit); };
    }
    if (split) {
      state.chunk->backward_input(ctx, batch, slot);
    } else {
      state.chunk->backward(ctx, batch, slot, after_unit);
    }
  }
  state.backward_slot = slot;
  if (!split) release_slot(state, action.micro_batch);  // a split one keeps it until its W
}

void PipelineExecutor::release_slot(ChunkState& state, int micro_batch) {
  state.free_slots.push_back(state.slot_of[micro_batch]);
  state.slot_of[micro_batch] = -1;
}

void PipelineExecutor::weight_gradient(const StepContext& ctx, const Action& action,
                                       const MicroBatchView& batch, bool final_gradient,
                                       const OnFinalGradient& on_final_gradient) {
  ChunkState& state = states_[action.chunk];
  const int slot = state.slot_of[action.micro_batch];
  PT_CHECK(slot >= 0, "weight gradient of a micro-batch that is not in flight");
  {
    ScopedEvent event(timeline_, EventKind::kWeight, ctx.step, action.micro_batch, action.chunk);
    std::function<void(int)> after_unit;
    if (final_gradient && on_final_gradient) {
      after_unit = [&](int unit) { on_final_gradient(action.chunk, unit); };
    }
    state.chunk->backward_weight(ctx, batch, slot, after_unit);
  }
  release_slot(state, action.micro_batch);
}

// The chunk's input gradient (grad_input) is overwritten by its next
// backward, so it is copied to the slot's send buffer first.
void PipelineExecutor::send_gradient(const StepContext& ctx, const Action& action) {
  ChunkState& state = states_[action.chunk];
  const int slot = state.backward_slot;
  PT_CHECK(slot >= 0, "gradient send before any backward of its chunk");
  if (state.gradient_sends[slot].active()) {
    ScopedEvent event(timeline_, EventKind::kSend, ctx.step, action.micro_batch, action.chunk);
    state.gradient_sends[slot].wait();
  }
  float* out = state.gradient_out[slot].data();
  std::memcpy(out, state.chunk->grad_input(), sizeof(float) * activation_elements_);
  state.gradient_sends[slot] = pipeline_.isend(
      out, activation_elements_, action.peer_rank,
      tag(action.micro_batch, model_stage(shape_, action.peer_rank, action.peer_chunk), true));
}

}  // namespace paratrain
