#pragma once
// Tracked memory. Every tensor of the training run is a Buffer that belongs to
// one category; the tracker keeps live and peak bytes per category and in
// total, so memory is accounted, not guessed (DESIGN.md principle 5).
//
// Buffers are allocated once, before the first step, and reused every step:
// page faults cost about 8 us per 4 KiB page on the CPU machines, so a fresh
// allocation per step would dominate the step time. Each buffer is touched
// (zeroed) when allocated, so its pages are resident from the start.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace paratrain {

enum class MemoryCategory : int {
  kParameters = 0,
  kGradients,
  kOptimizer,
  kActivations,
  kComm,
  kWorkspace,
};
inline constexpr int kMemoryCategoryCount = 6;
const char* memory_category_name(MemoryCategory category);

// kPlanOnly: a dry run of the allocation plan. Buffers record their sizes
// but hold no memory (an inaccessible address range, reserving nothing), so
// the runtime's own constructors say how many bytes a run needs before any
// is allocated; code that writes into buffers must not run in this mode.
enum class TrackerMode { kAllocate, kPlanOnly };

class MemoryTracker {
 public:
  explicit MemoryTracker(TrackerMode mode = TrackerMode::kAllocate) : mode_(mode) {}
  bool plans_only() const { return mode_ == TrackerMode::kPlanOnly; }
  void on_allocate(MemoryCategory category, size_t bytes);
  void on_free(MemoryCategory category, size_t bytes);
  size_t live_bytes(MemoryCategory category) const { return live_[index(category)]; }
  size_t peak_bytes(MemoryCategory category) const { return peak_[index(category)]; }
  size_t live_total() const { return live_total_; }
  size_t peak_total() const { return peak_total_; }

 private:
  static int index(MemoryCategory category) { return static_cast<int>(category); }
  TrackerMode mode_ = TrackerMode::kAllocate;
  std::array<size_t, kMemoryCategoryCount> live_{};
  std::array<size_t, kMemoryCategoryCount> peak_{};
  size_t live_total_ = 0;
  size_t peak_total_ = 0;
};

// An owning, 64-byte aligned, zero-initialised array of T, counted by a tracker.
template <typename T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(MemoryTracker& tracker, MemoryCategory category, size_t count);
  ~Buffer() { release(); }
  Buffer(Buffer&& other) noexcept { *this = std::move(other); }
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return count_; }
  T& operator[](size_t index) { return data_[index]; }
  const T& operator[](size_t index) const { return data_[index]; }

 private:
  void release();
  T* data_ = nullptr;
  size_t count_ = 0;
  MemoryTracker* tracker_ = nullptr;
  MemoryCategory category_ = MemoryCategory::kWorkspace;
};

void* allocate_zeroed(size_t bytes);  // aligned, pages touched; throws on failure
void free_allocation(void* pointer);
// For a plan-only tracker: an address range that no access may touch and
// that commits no memory.
void* reserve_untouchable(size_t bytes);
void release_untouchable(void* pointer, size_t bytes);

template <typename T>
Buffer<T>::Buffer(MemoryTracker& tracker, MemoryCategory category, size_t count)
    : data_(static_cast<T*>(tracker.plans_only() ? reserve_untouchable(count * sizeof(T))
                                                  : allocate_zeroed(count * sizeof(T)))),
      count_(count),
      tracker_(&tracker),
      category_(category) {
  tracker_->on_allocate(category_, count_ * sizeof(T));
}

template <typename T>
Buffer<T>& Buffer<T>::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    count_ = other.count_;
    tracker_ = other.tracker_;
    category_ = other.category_;
    other.data_ = nullptr;
    other.count_ = 0;
    other.tracker_ = nullptr;
  }
  return *this;
}

template <typename T>
void Buffer<T>::release() {
  if (data_ == nullptr) return;
  tracker_->on_free(category_, count_ * sizeof(T));
  if (tracker_->plans_only()) {
    release_untouchable(data_, count_ * sizeof(T));
  } else {
    free_allocation(data_);
  }
  data_ = nullptr;
  count_ = 0;
}

// Peak resident set size of this process, in bytes.
size_t peak_rss_bytes();

// Keeps glibc from returning freed memory to the kernel (see the note above).
void keep_freed_memory();

}  // namespace paratrain
