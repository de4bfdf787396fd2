#include "report/step_timeline.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "metrics/event_kind_names.h"

namespace paratrain::report {

namespace {

using nlohmann::json;

EventKind kind_from(const std::string& category) {
  return parse_event_kind(category).value_or(EventKind::kOther);
}

int int_arg(const json& event, const char* key, int fallback) {
  if (!event.contains("args") || !event["args"].is_object()) return fallback;
  const json& args = event["args"];
  return args.contains(key) && args[key].is_number_integer() ? args[key].get<int>() : fallback;
}

struct RawBox {
  TraceBox box;  // times still in microseconds from the trace's origin
  int step = 0;
};

std::vector<RawBox> complete_events(const json& trace) {
  if (!trace.is_object() || !trace.contains("traceEvents") || !trace["traceEvents"].is_array()) {
    throw std::runtime_error("no traceEvents array");
  }
  std::vector<RawBox> boxes;
  for (const json& event : trace["traceEvents"]) {
    if (!event.is_object() || event.value("ph", "") != "X") continue;
    if (!event.contains("ts") || !event.contains("dur") || !event.contains("tid")) continue;
    RawBox raw;
    raw.step = int_arg(event, "step", 0);
    raw.box.rank = event["tid"].get<int>();
    raw.box.start_ms = event["ts"].get<double>();
    raw.box.end_ms = raw.box.start_ms + event["dur"].get<double>();
    raw.box.kind = kind_from(event.value("cat", "other"));
    raw.box.micro_batch = int_arg(event, "micro_batch", -1);
    boxes.push_back(raw);
  }
  if (boxes.empty()) throw std::runtime_error("no complete (\"X\") events");
  return boxes;
}

StepTimeline timeline_of(const std::vector<RawBox>& boxes, int step) {
  StepTimeline timeline;
  timeline.step = step;
  double origin = 1e300, end = -1e300;
  for (const RawBox& raw : boxes) {
    if (raw.step != step) continue;
    origin = std::min(origin, raw.box.start_ms);
    end = std::max(end, raw.box.end_ms);
    timeline.ranks = std::max(timeline.ranks, raw.box.rank + 1);
  }
  for (const RawBox& raw : boxes) {
    if (raw.step != step) continue;
    TraceBox box = raw.box;
    box.start_ms = (box.start_ms - origin) / 1000.0;
    box.end_ms = (box.end_ms - origin) / 1000.0;
    timeline.boxes.push_back(box);
  }
  timeline.span_ms = (end - origin) / 1000.0;
  return timeline;
}

}  // namespace

StepTimeline read_median_step(const std::string& trace_path) {
  std::ifstream in(trace_path);
  if (!in) throw std::runtime_error("cannot open trace '" + trace_path + "'");
  json trace;
  try {
    trace = json::parse(in);
  } catch (const json::exception&) {
    throw std::runtime_error("trace '" + trace_path + "' is not JSON");
  }
  std::vector<RawBox> boxes;
  try {
    boxes = complete_events(trace);
  } catch (const std::exception& error) {
    throw std::runtime_error("trace '" + trace_path + "': " + error.what());
  }
  std::map<int, bool> steps;
  for (const RawBox& raw : boxes) steps[raw.step] = true;
  std::vector<StepTimeline> timelines;
  for (const auto& [step, present] : steps) timelines.push_back(timeline_of(boxes, step));
  std::sort(timelines.begin(), timelines.end(),
            [](const StepTimeline& a, const StepTimeline& b) { return a.span_ms < b.span_ms; });
  return timelines[(timelines.size() - 1) / 2];
}

}  // namespace paratrain::report
