#include "parallel/schedule_structure.h"

#include <array>

#include "parallel/schedule_lowering.h"

namespace paratrain {

namespace {

ScheduleProblem problem_at(int rank, size_t position, const Action& action,
                           const std::string& rule) {
  return {{{rank, position, ""}}, at_position(rank, position) + action_text(action) + " " + rule};
}

bool in_range(int value, int count) { return value >= 0 && value < count; }

std::optional<ScheduleProblem> check_action_range(const Action& action, int rank, size_t position,
                                                  const PipelineShape& shape) {
  if (!in_range(action.micro_batch, shape.micro_batches) ||
      !in_range(action.chunk, shape.virtual_stages)) {
    return problem_at(rank, position, action,
                      "is outside micro-batches 0.." + std::to_string(shape.micro_batches - 1) +
                          " and chunks 0.." + std::to_string(shape.virtual_stages - 1));
  }
  if (!is_compute(action.kind) && (!in_range(action.peer_rank, shape.stages) ||
                                   !in_range(action.peer_chunk, shape.virtual_stages))) {
    return problem_at(rank, position, action,
                      "names a peer outside ranks 0.." + std::to_string(shape.stages - 1) +
                          " and chunks 0.." + std::to_string(shape.virtual_stages - 1));
  }
  return std::nullopt;
}

// Walks one rank's list, keeping what has run per (micro-batch, chunk).
class RankListCheck {
 public:
  RankListCheck(const PipelineShape& shape, int rank, const RankSchedule& schedule, bool lowered)
      : shape_(shape),
        rank_(rank),
        schedule_(schedule),
        lowered_(lowered),
        done_(static_cast<size_t>(shape.micro_batches) * shape.virtual_stages),
        unused_gradient_(shape.virtual_stages, -1),
        unsent_gradient_(shape.virtual_stages, -1) {}

  std::optional<ScheduleProblem> run() {
    for (size_t position = 0; position < schedule_.size(); ++position) {
      const Action& action = schedule_[position];
      if (auto problem = check_action(position, action)) return problem;
      record(action);
    }
    return check_complete();
  }

 private:
  bool& done(ActionKind kind, int micro_batch, int chunk) {
    return done_[static_cast<size_t>(micro_batch) * shape_.virtual_stages + chunk]
                [static_cast<size_t>(kind)];
  }

  std::optional<ScheduleProblem> check_action(size_t position, const Action& action) {
    if (auto problem = check_action_range(action, rank_, position, shape_)) return problem;
    if (done(action.kind, action.micro_batch, action.chunk)) {
      return problem_at(rank_, position, action, "appears a second time");
    }
    if (!is_compute(action.kind)) {
      if (auto problem = check_peer(position, action)) return problem;
    }
    const std::string rule = broken_order_rule(action);
    if (!rule.empty()) return problem_at(rank_, position, action, rule);
    return std::nullopt;
  }

  std::optional<ScheduleProblem> check_peer(size_t position, const Action& action) const {
    const bool receive = is_receive(action.kind);
    const std::string data =
        compute_kind_of(action.kind) == ActionKind::kForward ? "activation" : "gradient";
    const std::string stage =
        "model stage " + std::to_string(model_stage(shape_, rank_, action.chunk));
    const std::optional<Peer> expected = expected_peer(shape_, rank_, action);
    if (!expected) {
      return problem_at(
          rank_, position, action,
          "has no peer: " + stage + (receive ? " receives no " : " sends no ") + data);
    }
    if (expected->rank == action.peer_rank && expected->chunk == action.peer_chunk) {
      return std::nullopt;
    }
    return problem_at(
        rank_, position, action,
        "names the wrong peer: " + stage +
            (receive ? " receives its " + data + " from r" : " sends its " + data + " to r") +
            std::to_string(expected->rank) + "c" + std::to_string(expected->chunk));
  }

  // The rule the action breaks by running at this point of the list, or "".
  std::string broken_order_rule(const Action& action) {
    const int micro_batch = action.micro_batch, chunk = action.chunk;
    const Action forward{ActionKind::kForward, micro_batch, chunk};
    const Action backward{ActionKind::kBackward, micro_batch, chunk};
    const bool forwarded = done(ActionKind::kForward, micro_batch, chunk);
    const bool backwarded = done(ActionKind::kBackward, micro_batch, chunk);
    switch (action.kind) {
      case ActionKind::kForward:
        return missing_input_rule(action, "an activation");
      case ActionKind::kBackward:
        if (!forwarded) return "comes before its forward " + action_text(forward);
        if (auto rule = missing_input_rule(action, "a gradient"); !rule.empty()) return rule;
        if (unsent_gradient_[chunk] >= 0) {
          const Action pending{ActionKind::kBackward, unsent_gradient_[chunk], chunk};
          return "overwrites the input gradient of " + action_text(pending) + " before " +
                 action_text(*output_transfer(shape_, rank_, pending)) + " sends it";
        }
        return "";
      case ActionKind::kSendF:
        if (!forwarded) return "sends an activation before its forward " + action_text(forward);
        if (backwarded)
          return "sends an activation its backward " + action_text(backward) + " freed";
        return "";
      case ActionKind::kSendB:
        return backwarded ? "" : "sends a gradient before its backward " + action_text(backward);
      case ActionKind::kRecvB:
        if (unused_gradient_[chunk] < 0) return "";
        return "overwrites the gradient received for " +
               action_text({ActionKind::kBackward, unused_gradient_[chunk], chunk}) +
               " before that backward uses it";
      case ActionKind::kRecvF:
        return "";
      case ActionKind::kWeight:
        return backwarded ? "" : "comes before its backward " + action_text(backward);
    }
    return "";
  }

  // Lowered lists only: a compute action whose input comes from a peer needs
  // its receive first.
  std::string missing_input_rule(const Action& compute, const std::string& data) {
    if (!lowered_) return "";
    const std::optional<Action> receive = input_transfer(shape_, rank_, compute);
    if (!receive || done(receive->kind, compute.micro_batch, compute.chunk)) return "";
    return "uses " + data + " it has not received (" + action_text(*receive) +
           " must come before it)";
  }

  void record(const Action& action) {
    done(action.kind, action.micro_batch, action.chunk) = true;
    const int chunk = action.chunk;
    if (action.kind == ActionKind::kRecvB) unused_gradient_[chunk] = action.micro_batch;
    if (action.kind == ActionKind::kSendB) unsent_gradient_[chunk] = -1;
    if (action.kind == ActionKind::kBackward) {
      unused_gradient_[chunk] = -1;
      if (lowered_ && output_transfer(shape_, rank_, action)) {
        unsent_gradient_[chunk] = action.micro_batch;
      }
    }
  }

  // The actions every (micro-batch, chunk) needs on this rank, in list order.
  std::vector<Action> required(int micro_batch, int chunk) const {
    const Action forward{ActionKind::kForward, micro_batch, chunk};
    const Action backward{ActionKind::kBackward, micro_batch, chunk};
    std::vector<Action> actions = {forward, backward};
    if (!lowered_) return actions;
    for (const auto& transfer :
         {input_transfer(shape_, rank_, forward), output_transfer(shape_, rank_, forward),
          input_transfer(shape_, rank_, backward), output_transfer(shape_, rank_, backward)}) {
      if (transfer) actions.push_back(*transfer);
    }
    return actions;
  }

  std::optional<ScheduleProblem> check_complete() {
    for (int micro_batch = 0; micro_batch < shape_.micro_batches; ++micro_batch) {
      for (int chunk = 0; chunk < shape_.virtual_stages; ++chunk) {
        for (const Action& action : required(micro_batch, chunk)) {
          if (done(action.kind, micro_batch, chunk)) continue;
          const std::string text = action_text(action);
          return ScheduleProblem{{{rank_, schedule_.size(), text}},
                                 "rank " + std::to_string(rank_) + " never runs " + text};
        }
      }
    }
    return std::nullopt;
  }

  const PipelineShape& shape_;
  int rank_;
  const RankSchedule& schedule_;
  bool lowered_;
  std::vector<std::array<bool, kActionKindCount>> done_;  // (m * v, kind) ran already
  std::vector<int> unused_gradient_;  // per chunk: micro-batch whose received gradient waits for
                                      // its backward, -1
  std::vector<int>
      unsent_gradient_;  // per chunk: micro-batch whose input gradient waits for its send, -1
};

}  // namespace

std::optional<ScheduleProblem> check_schedule_structure(const std::vector<RankSchedule>& schedules,
                                                        const PipelineShape& shape) {
  if (shape.stages < 1 || shape.micro_batches < 1 || shape.virtual_stages < 1) {
    return ScheduleProblem{
        {},
        "the shape needs p, m and v >= 1 (got p = " + std::to_string(shape.stages) +
            ", m = " + std::to_string(shape.micro_batches) +
            ", v = " + std::to_string(shape.virtual_stages) + ")"};
  }
  if (static_cast<int>(schedules.size()) != shape.stages) {
    return ScheduleProblem{{},
                           "expected " + std::to_string(shape.stages) +
                               " lists (one per pipeline rank), got " +
                               std::to_string(schedules.size())};
  }
  const bool lowered = has_transfers(schedules);
  for (int rank = 0; rank < shape.stages; ++rank) {
    if (auto problem = RankListCheck(shape, rank, schedules[rank], lowered).run()) return problem;
  }
  return std::nullopt;
}

}  // namespace paratrain
