#pragma once
// Data parallelism's gradient exchange: the gradients of each chunk are summed
// over the data-parallel group in buckets (runs of whole units, at least
// bucket_bytes each), each started with a non-blocking all-reduce as soon as
// backward has produced its final values, so the exchange hides behind the
// backward of the units below it. The optimizer steps after finish().
//
// A sum, not a mean: every replica's loss is already scaled by 1 / (global
// B * T), so the sum of the replicas' gradients is the gradient of the
// global batch's mean loss.
#include <vector>

#include "comm/communicator.h"
#include "metrics/timeline.h"
#include "model/chunk.h"
#include "parallel/gradient_sync.h"

namespace paratrain {

class GradientBuckets : public GradientSync {
 public:
  GradientBuckets(std::vector<ModelChunk*> chunks, const Communicator& data_parallel,
                  size_t bucket_bytes, Timeline& timeline);

  void on_unit_done(int chunk, int unit_index) override;
  // Waits for every bucket; the time blocked is the exposed communication.
  void finish(uint32_t step) override;
  int bucket_count(int chunk) const { return static_cast<int>(buckets_[chunk].size()); }

 private:
  struct Bucket {
    int lowest_unit = 0;        // the bucket is complete when this unit is done
    size_t begin = 0, end = 0;  // elements of the chunk's gradient array
    Request request;
  };
  static std::vector<Bucket> buckets_of(const ModelChunk& chunk, size_t bucket_bytes);

  std::vector<ModelChunk*> chunks_;
  const Communicator& comm_;
  Timeline& timeline_;
  std::vector<std::vector<Bucket>> buckets_;  // per chunk, in backward order: the last units first
};

}  // namespace paratrain
