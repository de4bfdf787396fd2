#pragma once
// The model chain at the grain a pipeline stage boundary may fall on, the
// *partition units*: Embed, then each block's attention half (ln1, qkv,
// attention, proj and its residual) and MLP half (ln2, fc1, GELU, fc2 and
// its residual), then Head (ln_f, lm_head and the loss): 2 L + 2 of them.
// A stage holds a run of consecutive partition units; a block whose halves
// both fall in it runs as one Block unit, a block cut by the stage's edge
// runs only its half there.
#include <vector>

#include "model/config.h"

namespace paratrain {

enum class BlockPart { kWhole, kAttention, kMlp };

// A unit of the chain (0 = Embed, 1..L = blocks, L + 1 = Head) and, for a
// block, the part of it a chunk runs.
struct UnitPiece {
  int unit = 0;
  BlockPart part = BlockPart::kWhole;
  bool operator==(const UnitPiece&) const = default;
};

int partition_unit_count(const ModelConfig& config);  // 2 L + 2

// The pieces that partition units [begin, end) make, in chain order.
std::vector<UnitPiece> pieces_of(const ModelConfig& config, int begin, int end);
// Every unit whole: what a sequential model is.
std::vector<UnitPiece> whole_model(const ModelConfig& config);

}  // namespace paratrain
