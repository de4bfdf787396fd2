#include "model/sequence_parallel.h"

#include <cstring>

namespace paratrain {

namespace {

// Copies between the model's (samples, T, width) rows and the collectives'
// (tp, samples, T / tp, width) blocks; to_blocks picks the direction.
void reorder(const TensorParallel& tp, const SequenceShape& shape, bool to_blocks,
             const float* from, float* to) {
  const size_t local_rows = static_cast<size_t>(shape.seq_len / tp.size());
  const size_t block = local_rows * shape.width;  // one sample's part
  const size_t part_size = block * shape.samples;
  for (int rank = 0; rank < tp.size(); ++rank) {
    for (int sample = 0; sample < shape.samples; ++sample) {
      const size_t rows_at =
          (static_cast<size_t>(sample) * shape.seq_len + rank * local_rows) * shape.width;
      const size_t blocks_at = rank * part_size + sample * block;
      if (to_blocks) {
        std::memcpy(to + blocks_at, from + rows_at, sizeof(float) * block);
      } else {
        std::memcpy(to + rows_at, from + blocks_at, sizeof(float) * block);
      }
    }
  }
}

size_t part_elements(const TensorParallel& tp, const SequenceShape& shape) {
  return static_cast<size_t>(shape.samples) * (shape.seq_len / tp.size()) * shape.width;
}

}  // namespace

void scatter_to_sequence_region(const TensorParallel& tp, const float* full,
                                const SequenceShape& shape, float* part) {
  const size_t local_rows = static_cast<size_t>(shape.seq_len / tp.size());
  const size_t block = local_rows * shape.width;
  for (int sample = 0; sample < shape.samples; ++sample) {
    std::memcpy(part + sample * block,
                full + (static_cast<size_t>(sample) * shape.seq_len + tp.rank() * local_rows) *
                           shape.width,
                sizeof(float) * block);
  }
}

void gather_from_sequence_region(const TensorParallel& tp, const float* part,
                                 const SequenceShape& shape, float* staging, float* full) {
  tp.group->all_gather(part, staging, part_elements(tp, shape));
  reorder(tp, shape, false, staging, full);
}

void reduce_scatter_to_sequence_region(const TensorParallel& tp, const float* full,
                                       const SequenceShape& shape, float* staging, float* part) {
  reorder(tp, shape, true, full, staging);
  tp.group->reduce_scatter_sum(staging, part, part_elements(tp, shape));
}

}  // namespace paratrain
