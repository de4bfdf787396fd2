#include "parallel/pipeline_action.h"

#include <cctype>

namespace paratrain {

namespace {

struct KindName {
  ActionKind kind;
  const char* name;
};
// Longest names first, so parsing never takes "F" for the start of a word.
constexpr KindName kKindNames[] = {{ActionKind::kSendF, "SEND_F"}, {ActionKind::kRecvF, "RECV_F"},
                                   {ActionKind::kSendB, "SEND_B"}, {ActionKind::kRecvB, "RECV_B"},
                                   {ActionKind::kForward, "F"},    {ActionKind::kBackward, "B"},
                                   {ActionKind::kWeight, "W"}};

const char* kind_name(ActionKind kind) {
  for (const KindName& entry : kKindNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "?";
}

// Reads a non-negative decimal number at `pos`, advancing it; nullopt when none.
std::optional<int> read_number(const std::string& text, size_t& pos) {
  const size_t begin = pos;
  long value = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
    value = value * 10 + (text[pos] - '0');
    if (value > 1'000'000) return std::nullopt;
    ++pos;
  }
  if (pos == begin) return std::nullopt;
  return static_cast<int>(value);
}

bool read_literal(const std::string& text, size_t& pos, const std::string& literal) {
  if (text.compare(pos, literal.size(), literal) != 0) return false;
  pos += literal.size();
  return true;
}

}  // namespace

bool operator==(const Action& left, const Action& right) {
  return left.kind == right.kind && left.micro_batch == right.micro_batch &&
         left.chunk == right.chunk && left.peer_rank == right.peer_rank &&
         left.peer_chunk == right.peer_chunk;
}

bool is_compute(ActionKind kind) {
  return kind == ActionKind::kForward || kind == ActionKind::kBackward ||
         kind == ActionKind::kWeight;
}

bool is_send(ActionKind kind) { return kind == ActionKind::kSendF || kind == ActionKind::kSendB; }

bool is_receive(ActionKind kind) {
  return kind == ActionKind::kRecvF || kind == ActionKind::kRecvB;
}

ActionKind compute_kind_of(ActionKind kind) {
  switch (kind) {
    case ActionKind::kForward:
    case ActionKind::kSendF:
    case ActionKind::kRecvF:
      return ActionKind::kForward;
    case ActionKind::kBackward:
    case ActionKind::kSendB:
    case ActionKind::kRecvB:
      return ActionKind::kBackward;
    case ActionKind::kWeight:
      return ActionKind::kWeight;
  }
  return ActionKind::kForward;
}

Action matching_send(const Action& receive, int receiver_rank) {
  const ActionKind send =
      receive.kind == ActionKind::kRecvF ? ActionKind::kSendF : ActionKind::kSendB;
  return {send, receive.micro_batch, receive.peer_chunk, receiver_rank, receive.chunk};
}

int model_stage(const PipelineShape& shape, int rank, int chunk) {
  return chunk * shape.stages + rank;
}

int rank_of_model_stage(const PipelineShape& shape, int model_stage) {
  return model_stage % shape.stages;
}

int chunk_of_model_stage(const PipelineShape& shape, int model_stage) {
  return model_stage / shape.stages;
}

bool has_weight_action(const RankSchedule& schedule, int micro_batch, int chunk) {
  for (const Action& action : schedule) {
    if (action.kind == ActionKind::kWeight && action.micro_batch == micro_batch &&
        action.chunk == chunk) {
      return true;
    }
  }
  return false;
}

std::string action_text(const Action& action) {
  std::string text =
      std::to_string(action.micro_batch) + kind_name(action.kind) + std::to_string(action.chunk);
  if (!is_compute(action.kind)) {
    text += "@r" + std::to_string(action.peer_rank) + "c" + std::to_string(action.peer_chunk);
  }
  return text;
}

std::string schedule_text(const RankSchedule& schedule) {
  std::string text;
  for (const Action& action : schedule) {
    if (!text.empty()) text += ' ';
    text += action_text(action);
  }
  return text;
}

std::optional<Action> parse_action(const std::string& token) {
  size_t pos = 0;
  const std::optional<int> micro_batch = read_number(token, pos);
  if (!micro_batch) return std::nullopt;
  std::optional<ActionKind> kind;
  for (const KindName& entry : kKindNames) {
    if (read_literal(token, pos, entry.name)) {
      kind = entry.kind;
      break;
    }
  }
  if (!kind) return std::nullopt;
  const std::optional<int> chunk = read_number(token, pos);
  if (!chunk) return std::nullopt;
  Action action{*kind, *micro_batch, *chunk};
  if (!is_compute(*kind)) {
    if (!read_literal(token, pos, "@r")) return std::nullopt;
    const std::optional<int> peer_rank = read_number(token, pos);
    if (!peer_rank || !read_literal(token, pos, "c")) return std::nullopt;
    const std::optional<int> peer_chunk = read_number(token, pos);
    if (!peer_chunk) return std::nullopt;
    action.peer_rank = *peer_rank;
    action.peer_chunk = *peer_chunk;
  }
  if (pos != token.size()) return std::nullopt;
  return action;
}

}  // namespace paratrain
