#include "model/pieces.h"

#include "core/error.h"

namespace paratrain {

int partition_unit_count(const ModelConfig& config) { return 2 * config.n_layers + 2; }

std::vector<UnitPiece> pieces_of(const ModelConfig& config, int begin, int end) {
  const int last = partition_unit_count(config) - 1;
  PT_CHECK(0 <= begin && begin < end && end <= last + 1, "bad range of partition units");
  std::vector<UnitPiece> pieces;
  for (int atom = begin; atom < end; ++atom) {
    if (atom == 0) {
      pieces.push_back({0, BlockPart::kWhole});
    } else if (atom == last) {
      pieces.push_back({config.n_layers + 1, BlockPart::kWhole});
    } else {
      const int unit = 1 + (atom - 1) / 2;
      const bool attention = (atom - 1) % 2 == 0;
      if (attention && atom + 1 < end) {  // both halves here: the whole block
        pieces.push_back({unit, BlockPart::kWhole});
        ++atom;
      } else {
        pieces.push_back({unit, attention ? BlockPart::kAttention : BlockPart::kMlp});
      }
    }
  }
  return pieces;
}

std::vector<UnitPiece> whole_model(const ModelConfig& config) {
  return pieces_of(config, 0, partition_unit_count(config));
}

}  // namespace paratrain
