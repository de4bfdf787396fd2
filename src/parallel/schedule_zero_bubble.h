#pragma once
// Zero-bubble schedules (Qi et al., "Zero Bubble Pipeline Parallelism", ICLR
// 2024): each backward is split into B, the input gradient (on the critical
// path: the stage before waits for it), and W, the weight gradients, which
// wait and fill the idle time 1F1B leaves.
//
// Rank r of p, m micro-batches, memory factor k (1 for ZB-H1, 2 for ZB-H2):
//   warm-up  min(m, k (p - 1 - r)) forwards;
//   then     k r times F B, holding their Ws back;
//   then     F B W while forwards remain;
//   then     B W while backwards remain; then the Ws still held back.
// Ws run in micro-batch order, k r behind the Bs.
// Each list holds at most k (p - 1 - r) + k r + 1 = k (p - 1) + 1 micro-batches
// between F and W: p for ZB-H1 (1F1B's peak, its first stage's), 2p - 1 for ZB-H2.
//
// Step time with forward F, input gradient B, weight gradient W per stage and
// no transfer time (every rank busy m (F + B + W); tests/parallel/
// zero_bubble_schedule_test.cpp checks these on the simulator):
//   1F1B   m (F + B + W) + (p - 1)(F + B + W)
//   ZB-H1  m (F + B + W) + (p - 1)(F + B - W)           for m >= p and W <= B
//   ZB-H2  m (F + B + W) + (p - 1) max(F, F + B - 2 W)  for m >= 2p - 1
// The paper's ZB-H2 bubble is (p - 1)(F + B - 2W), zero at F = B = W, because it
// lets the next step's forwards start before the optimizer step of this one
// (a parallelogram); paratrain's step ends on every rank together, so a step
// keeps the (p - 1) F of the first forward's way down the pipeline.
#include "parallel/pipeline_action.h"

namespace paratrain {

// Rank `rank`'s compute-only list (chunk 0; v must be 1). memory_factor k >= 1.
RankSchedule zero_bubble_rank_schedule(const PipelineShape& shape, int rank, int memory_factor);

}  // namespace paratrain
