#pragma once
// How a per-parameter array (parameters, gradients, optimizer moments) is
// spread over the data-parallel replicas of one model slice: whole on every
// replica, or its flat (padded) array cut into dp equal consecutive shards,
// replica r holding shard r (ZeRO-1's optimizer state).
namespace paratrain {

enum class ReplicaHolding { kWhole, kSharded };

}  // namespace paratrain
