#include "core/memory.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace paratrain {

const char* memory_category_name(MemoryCategory category) {
  switch (category) {
    case MemoryCategory::kParameters: return "parameters";
    case MemoryCategory::kGradients: return "gradients";
    case MemoryCategory::kOptimizer: return "optimizer";
    case MemoryCategory::kActivations: return "activations";
    case MemoryCategory::kComm: return "comm";
    case MemoryCategory::kWorkspace: return "workspace";
  }
  return "unknown";
}

void MemoryTracker::on_allocate(MemoryCategory category, size_t bytes) {
  const int slot = index(category);
  live_[slot] += bytes;
  peak_[slot] = std::max(peak_[slot], live_[slot]);
  live_total_ += bytes;
  peak_total_ = std::max(peak_total_, live_total_);
}

void MemoryTracker::on_free(MemoryCategory category, size_t bytes) {
  live_[index(category)] -= bytes;
  live_total_ -= bytes;
}

void* allocate_zeroed(size_t bytes) {
  constexpr size_t kAlignment = 64;
  const size_t rounded = std::max<size_t>(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment);
  void* pointer = std::aligned_alloc(kAlignment, rounded);
  if (pointer == nullptr) throw std::bad_alloc();
  std::memset(pointer, 0, rounded);
  return pointer;
}

void free_allocation(void* pointer) { std::free(pointer); }

void* reserve_untouchable(size_t bytes) {
  // PROT_NONE and MAP_NORESERVE: address space only, no commit charge, and
  // any access faults, so a plan that writes into a buffer is caught.
  void* pointer = ::mmap(nullptr, std::max<size_t>(bytes, 1), PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (pointer == MAP_FAILED) throw std::bad_alloc();
  return pointer;
}

void release_untouchable(void* pointer, size_t bytes) { ::munmap(pointer, std::max<size_t>(bytes, 1)); }

size_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;
}

void keep_freed_memory() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace paratrain
