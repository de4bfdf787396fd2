#include "metrics/timeline.h"

#include "core/clock.h"

namespace paratrain {

const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kForward: return "forward";
    case EventKind::kBackward: return "backward";
    case EventKind::kOptimizer: return "optimizer";
    case EventKind::kSend: return "send";
    case EventKind::kRecv: return "recv";
    case EventKind::kAllReduce: return "allreduce";
    case EventKind::kOther: return "other";
    case EventKind::kWait: return "wait";
    case EventKind::kReduceScatter: return "reducescatter";
    case EventKind::kAllGather: return "allgather";
    case EventKind::kWeight: return "weight";
  }
  return "unknown";
}

bool is_compute(EventKind kind) {
  return kind == EventKind::kForward || kind == EventKind::kBackward ||
         kind == EventKind::kWeight || kind == EventKind::kOptimizer;
}

bool is_communication(EventKind kind) {
  return kind == EventKind::kSend || kind == EventKind::kRecv || kind == EventKind::kAllReduce ||
         kind == EventKind::kReduceScatter || kind == EventKind::kAllGather;
}

double TimeBreakdown::compute() const {
  return by_kind[static_cast<int>(EventKind::kForward)] +
         by_kind[static_cast<int>(EventKind::kBackward)] +
         by_kind[static_cast<int>(EventKind::kWeight)] +
         by_kind[static_cast<int>(EventKind::kOptimizer)];
}

double TimeBreakdown::communication() const {
  double total = 0;
  for (int kind = 0; kind < kEventKindCount; ++kind) {
    if (is_communication(static_cast<EventKind>(kind))) total += by_kind[kind];
  }
  return total;
}

double TimeBreakdown::waiting_for_neighbours() const {
  return by_kind[static_cast<int>(EventKind::kRecv)] + by_kind[static_cast<int>(EventKind::kWait)];
}

TimeBreakdown Timeline::breakdown(double begin, double end) const {
  TimeBreakdown totals;
  totals.wall = end - begin;
  for (const auto& event : events_) {
    if (event.begin < begin || event.begin >= end) continue;
    totals.by_kind[static_cast<int>(event.kind)] += event.end - event.begin;
  }
  return totals;
}

ScopedEvent::ScopedEvent(Timeline& timeline, EventKind kind, uint32_t step, int micro_batch,
                         int chunk, const char* label)
    : timeline_(timeline) {
  event_.label = label;
  event_.kind = kind;
  event_.step = step;
  event_.micro_batch = micro_batch;
  event_.chunk = chunk;
  event_.begin = now_seconds();
}

ScopedEvent::~ScopedEvent() {
  event_.end = now_seconds();
  timeline_.record(event_);
}

}  // namespace paratrain
