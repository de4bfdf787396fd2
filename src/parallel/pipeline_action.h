#pragma once
// One step of a pipeline rank's list (DESIGN.md principle 3), its placement
// arithmetic and its text form. Pure: no MPI, no model.
//
// Text form, PyTorch pipelining's notation with local chunks and explicit peers:
//   1F3            forward of micro-batch 1 on the rank's chunk 3
//   0B2            backward of micro-batch 0 on chunk 2: the input gradient, and the
//                  weight gradients too unless the list also holds 0W2
//   0W2            weight gradients of micro-batch 0 on chunk 2, split from 0B2 and run
//                  later (zero-bubble schedules); after 0B2, on the same rank
//   1SEND_F3@r2c0  send chunk 3's activation of micro-batch 1 to rank 2's chunk 0
//   1RECV_F3@r0c2  receive chunk 3's input activation of micro-batch 1 from rank 0's chunk 2
//   0SEND_B3@r0c2  send chunk 3's input gradient of micro-batch 0 to rank 0's chunk 2
//   0RECV_B3@r2c0  receive chunk 3's output gradient of micro-batch 0 from rank 2's chunk 0
// Sends are non-blocking, receives block.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace paratrain {

// kWeight is last so that the text of every other kind keeps its number.
enum class ActionKind : uint8_t { kForward, kBackward, kSendF, kRecvF, kSendB, kRecvB, kWeight };
constexpr int kActionKindCount = 7;

struct Action {
  ActionKind kind;
  int micro_batch;      // 0..m-1
  int chunk;            // local virtual-stage index 0..v-1 on the rank
  int peer_rank = -1;   // sends and receives: the pipeline rank at the other end
  int peer_chunk = -1;  // sends and receives: that rank's chunk
};
bool operator==(const Action& left, const Action& right);

bool is_compute(ActionKind kind);
bool is_send(ActionKind kind);
bool is_receive(ActionKind kind);
// The compute action a transfer belongs to: kForward for SEND_F / RECV_F,
// kBackward for SEND_B / RECV_B; a compute kind (kWeight included) is its own.
ActionKind compute_kind_of(ActionKind kind);

// The send on rank `receiver_rank`'s peer that a receive waits for.
Action matching_send(const Action& receive, int receiver_rank);

struct PipelineShape {
  int stages = 1;          // p: pipeline ranks (--pp)
  int micro_batches = 1;   // m: micro-batches per optimizer step
  int virtual_stages = 1;  // v: chunks per rank (--virtual-stages)
  int model_stages() const { return stages * virtual_stages; }
};

using RankSchedule = std::vector<Action>;

// Megatron's interleaved placement: chunk c of rank r is model stage c * stages + r,
// so consecutive model stages sit on consecutive ranks and wrap around.
int model_stage(const PipelineShape& shape, int rank, int chunk);
int rank_of_model_stage(const PipelineShape& shape, int model_stage);
int chunk_of_model_stage(const PipelineShape& shape, int model_stage);

// True when `schedule` holds a kWeight for (micro_batch, chunk): its backward
// then computes the input gradient only.
bool has_weight_action(const RankSchedule& schedule, int micro_batch, int chunk);

std::string action_text(const Action& action);
std::string schedule_text(const RankSchedule& schedule);  // actions separated by spaces
// The action a token names, or nullopt when it is not one (parse_action(action_text(a)) == a).
std::optional<Action> parse_action(const std::string& token);

}  // namespace paratrain
