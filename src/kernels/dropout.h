#pragma once
// Dropout keyed by position, not by draw order (DESIGN.md principle 2).
//
// Element e of row (sample, position) at site `site` of layer `layer` in step
// `step` is kept iff the Philox4x32-10 word
//     philox(counter = {e / 4, position, sample, step},
//            key     = {seed, layer << 8 | site})[e % 4]
// is >= p * 2^32; kept elements are scaled by 1 / (1 - p). `sample` is the
// global index of the sample in the optimizer step's batch, so a data-parallel
// replica or a pipeline micro-batch draws exactly the masks of the sequential
// run, and a tensor-parallel shard that holds elements [begin, begin + count)
// of a row draws exactly those elements' masks.
#include <cstdint>

namespace paratrain::kernels {

enum class DropoutSite : uint32_t {
  kEmbedding = 0,          // after tok_emb + pos_emb; layer index 0
  kAttentionProbs = 1,     // on softmax(q k^T); element = head * T + key position
  kAttentionResidual = 2,  // on the attention output projection
  kMlpResidual = 3,        // on fc2's output
};

struct DropoutKey {
  uint32_t seed = 0;
  uint32_t step = 0;
  uint32_t layer = 0;  // 0 for the embedding, 1 + block index for blocks
  DropoutSite site = DropoutSite::kEmbedding;
  float p = 0.0f;

  bool active() const { return p > 0.0f; }
};

// data[i] *= keep(element_begin + i) ? 1 / (1 - p) : 0 for i < count, in the
// row (sample, position). Forward and backward apply the same operation.
void dropout_row(const DropoutKey& key, uint32_t sample, uint32_t position, uint32_t element_begin,
                 int count, float* data);

// The same over `samples` x `positions` contiguous rows of `width` elements
// (a (samples, positions, width) tensor), each row holding global elements
// [element_begin, element_begin + width) and samples first_sample, ....
void dropout_rows(const DropoutKey& key, uint32_t first_sample, int samples, uint32_t first_position,
                  int positions, uint32_t element_begin, int width, float* data);

}  // namespace paratrain::kernels
