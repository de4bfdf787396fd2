#pragma once
// Lowering: a compute-only list becomes the list the executor runs, with an
// explicit receive before each compute action that needs another stage's
// data and a send right after each one whose result another stage needs.
//
// This file is the one place that says who talks to whom: model stage s
// receives its activation from s - 1 and sends its output to s + 1;
// gradients travel the other way. The validator checks transfers against
// these functions; the executor only follows the peers written in the list.
#include <optional>
#include <vector>

#include "parallel/pipeline_action.h"

namespace paratrain {

struct Peer {
  int rank = 0;
  int chunk = 0;
};

// Where compute action `compute` (kForward or kBackward) on (rank, chunk)
// gets its input from: nullopt for the first stage's forward (tokens) and
// the last stage's backward (the loss).
std::optional<Peer> input_peer(const PipelineShape& shape, int rank, int chunk, ActionKind compute);
// Where its result goes: nullopt for the last stage's forward and the first
// stage's backward.
std::optional<Peer> output_peer(const PipelineShape& shape, int rank, int chunk,
                                ActionKind compute);
// The peer a send or receive on `rank` must name; nullopt when its stage has none.
std::optional<Peer> expected_peer(const PipelineShape& shape, int rank, const Action& transfer);

// The transfer that carries `compute`'s input in (receive) or its result out
// (send), or nullopt when the stage has no such peer (and always for kWeight,
// which neither receives nor sends).
std::optional<Action> input_transfer(const PipelineShape& shape, int rank, const Action& compute);
std::optional<Action> output_transfer(const PipelineShape& shape, int rank, const Action& compute);

// Receives placed immediately before the compute that uses them and sends
// immediately after the compute that produces them, so lowering adds no
// waiting. Transfers already in the input are kept as they are.
RankSchedule lower_rank_schedule(const PipelineShape& shape, int rank,
                                 const RankSchedule& compute_only);
std::vector<RankSchedule> lower_schedule(const std::vector<RankSchedule>& compute_only,
                                         const PipelineShape& shape);

// True when any list holds a send or a receive (the lists are lowered already).
bool has_transfers(const std::vector<RankSchedule>& schedules);

}  // namespace paratrain
