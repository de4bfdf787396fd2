#include "model/tensor_parallel.h"

#include <cstring>

namespace paratrain {

void TensorParallel::all_reduce(float* data, size_t count) const {
  if (active()) group->all_reduce_sum(data, count);
}

// The collectives move whole rank blocks: (size, samples, T / size, width).
// The model's rows are (samples, T), so the blocks are reordered around them.
void TensorParallel::gather_sequence(const float* part, int samples, int seq_len, int width,
                                     float* staging, float* full) const {
  const size_t local_rows = static_cast<size_t>(seq_len / size());
  const size_t block = local_rows * width;  // one sample's part
  const size_t part_size = block * samples;
  group->all_gather(part, staging, part_size);
  for (int src = 0; src < size(); ++src) {
    for (int sample = 0; sample < samples; ++sample) {
      std::memcpy(full + (static_cast<size_t>(sample) * seq_len + src * local_rows) * width,
                  staging + src * part_size + sample * block, sizeof(float) * block);
    }
  }
}

void TensorParallel::reduce_scatter_sequence(const float* full, int samples, int seq_len,
                                             int width, float* staging, float* part) const {
  const size_t local_rows = static_cast<size_t>(seq_len / size());
  const size_t block = local_rows * width;
  const size_t part_size = block * samples;
  for (int dst = 0; dst < size(); ++dst) {
    for (int sample = 0; sample < samples; ++sample) {
      std::memcpy(staging + dst * part_size + sample * block,
                  full + (static_cast<size_t>(sample) * seq_len + dst * local_rows) * width,
                  sizeof(float) * block);
    }
  }
  group->reduce_scatter_sum(staging, part, part_size);
}

}  // namespace paratrain
