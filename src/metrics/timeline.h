#pragma once
// What a rank did, when (DESIGN.md principle 4): intervals of compute,
// communication, optimizer and waiting on a monotonic clock. Utilization,
// bubble and exposed communication are computed from it, and the same events
// become a Chrome trace.
#include <cstdint>
#include <string>
#include <vector>

namespace paratrain {

enum class EventKind : int {
  kForward = 0,
  kBackward,
  kOptimizer,
  kSend,       // time blocked in a send
  kRecv,       // time blocked waiting for a neighbour's data
  kAllReduce,      // time blocked in an all-reduce
  kOther,          // e.g. loading data
  kWait,           // waiting for the other ranks at the step's end (a pipeline drains into it)
  kReduceScatter,  // time blocked in a reduce-scatter
  kAllGather,      // time blocked in an all-gather
  kWeight,         // weight gradients split from a backward (zero-bubble schedules)
};
inline constexpr int kEventKindCount = 11;
const char* event_kind_name(EventKind kind);
bool is_compute(EventKind kind);
bool is_communication(EventKind kind);

struct TimelineEvent {
  EventKind kind;
  double begin = 0, end = 0;  // seconds, monotonic clock
  int micro_batch = -1;       // -1: not about one micro-batch
  int chunk = -1;
  uint32_t step = 0;
  const char* label = nullptr;  // a name for the trace (static storage), e.g. "tp all-reduce"
};

// Totals over a time window, per kind.
struct TimeBreakdown {
  double wall = 0;
  double by_kind[kEventKindCount] = {};
  double compute() const;        // forward + backward + weight + optimizer
  double communication() const;  // send + recv + every collective (blocked time)
  // Idle waiting for other ranks: pipeline receives and the step-end wait.
  double waiting_for_neighbours() const;
  double utilization() const { return wall > 0 ? compute() / wall : 0; }
};

class Timeline {
 public:
  void record(const TimelineEvent& event) { events_.push_back(event); }
  void clear() { events_.clear(); }
  const std::vector<TimelineEvent>& events() const { return events_; }
  // Sums of the events that start in [begin, end).
  TimeBreakdown breakdown(double begin, double end) const;

 private:
  std::vector<TimelineEvent> events_;
};

// Records one event on destruction: `ScopedEvent event(timeline, EventKind::kForward, ...)`.
class ScopedEvent {
 public:
  ScopedEvent(Timeline& timeline, EventKind kind, uint32_t step, int micro_batch = -1,
              int chunk = -1, const char* label = nullptr);
  ~ScopedEvent();
  ScopedEvent(const ScopedEvent&) = delete;
  ScopedEvent& operator=(const ScopedEvent&) = delete;

 private:
  Timeline& timeline_;
  TimelineEvent event_;
};

}  // namespace paratrain
