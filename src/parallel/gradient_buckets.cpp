#include "parallel/gradient_buckets.h"

namespace paratrain {

GradientBuckets::GradientBuckets(std::vector<ModelChunk*> chunks,
                                 const Communicator& data_parallel, size_t bucket_bytes,
                                 Timeline& timeline)
    : chunks_(std::move(chunks)), comm_(data_parallel), timeline_(timeline) {
  for (const ModelChunk* chunk : chunks_) buckets_.push_back(buckets_of(*chunk, bucket_bytes));
}

std::vector<GradientBuckets::Bucket> GradientBuckets::buckets_of(const ModelChunk& chunk,
                                                                 size_t bucket_bytes) {
  // Group whole units from the last one down until a bucket holds enough bytes.
  std::vector<Bucket> buckets;
  Bucket current;
  bool open = false;
  for (int unit_idx = chunk.unit_end() - 1; unit_idx >= chunk.unit_begin(); --unit_idx) {
    const auto range = chunk.unit_elements(unit_idx);
    if (!open) {
      current = Bucket{};
      current.end = range.end;
      open = true;
    }
    current.begin = range.begin;
    current.lowest_unit = unit_idx;
    if ((current.end - current.begin) * sizeof(float) >= bucket_bytes) {
      buckets.push_back(std::move(current));
      open = false;
    }
  }
  if (open) buckets.push_back(std::move(current));
  return buckets;
}

void GradientBuckets::on_unit_done(int chunk, int unit_index) {
  for (auto& bucket : buckets_[chunk]) {
    if (bucket.lowest_unit != unit_index) {
      if (bucket.request.active()) bucket.request.test();  // lets MPI progress the others
      continue;
    }
    bucket.request = comm_.iall_reduce_sum(chunks_[chunk]->params().grads() + bucket.begin,
                                           bucket.end - bucket.begin);
  }
}

void GradientBuckets::finish(uint32_t step) {
  ScopedEvent event(timeline_, EventKind::kAllReduce, step);
  for (auto& chunk_buckets : buckets_) {
    for (auto& bucket : chunk_buckets) {
      if (bucket.request.active()) bucket.request.wait();
    }
  }
}

}  // namespace paratrain
