#pragma once
// How a pipeline's model stages split the model chain. A partition lists,
// per model stage, how many consecutive partition units (model/pieces.h:
// Embed, each block's attention and MLP halves, Head) the stage holds;
// together they hold all 2 L + 2, each stage at least one.
#include <string>
#include <vector>

#include "model/config.h"

namespace paratrain {

// What one micro-batch's forward and backward cost on each kind of partition
// unit (any unit of time, or FLOPs): what a balanced split weighs.
struct PartitionCosts {
  double embed = 0, attention = 0, mlp = 0, head = 0;
};

// Forward FLOPs per token of each kind (backward is about twice each, so the
// proportions hold): the modelled costs, used where nothing was measured.
PartitionCosts modelled_partition_costs(const ModelConfig& model);

// The contiguous split into `stages` stages that minimises the costliest
// stage (dynamic programme over stages and units); ties go to the split
// whose earlier stages hold more.
std::vector<int> balanced_partition(const ModelConfig& model, int stages,
                                    const PartitionCosts& costs);

// Blocks per stage (the embedding on the first, the head on the last) in
// partition units: {2, 2} -> {5, 5}.
std::vector<int> partition_from_blocks(const std::vector<int>& blocks);

// --partition's notation: stages separated by '|' (or ','), each stage the
// blocks it holds, a multiple of 0.5 (a half is an attention or MLP half),
// with `embed` in the first stage and `head` in the last joined by '+'. The
// embedding and the head are there whether written or not, so "2,2",
// "2|2" and "embed+2|2+head" are one partition; a stage may be `embed` or
// `head` alone: "embed|4|head". UsageError for anything else.
std::vector<int> parse_partition(const std::string& text);
// A partition in that notation, every part written: "embed+1.5|2.5+head".
std::string partition_text(const std::vector<int>& units);

}  // namespace paratrain
