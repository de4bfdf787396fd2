#pragma once
// The default partition of a run: stages balanced over measured, not
// modelled, costs. Before training, every rank times one micro-batch's
// forward and backward of each kind of partition unit (the embedding, a
// block's attention half and its MLP half, the head) in the run's
// precision and recompute mode, on its own core as training will run; rank
// 0's times are broadcast, so every rank derives the same partition.
#include "comm/communicator.h"
#include "parallel/layout.h"
#include "parallel/partition.h"

namespace paratrain {

// Seconds per micro-batch of `micro_batch` samples (forward + backward,
// median of a few runs after a warm-up) of each kind, on this rank.
PartitionCosts measure_partition_costs(const ModelConfig& model, int micro_batch);

struct MeasuredPartition {
  std::vector<int> partition;  // partition units per model stage
  PartitionCosts costs;        // rank 0's seconds per micro-batch
};
// The balanced partition over rank 0's measured costs, on every rank of `world`.
MeasuredPartition measured_partition(const ModelConfig& model, const Layout& layout,
                                     const Communicator& world);

}  // namespace paratrain
