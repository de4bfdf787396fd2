#include "metrics/trace.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/output_file.h"

namespace paratrain {

std::string trace_events(const Timeline& timeline, int rank, const std::string& rank_label,
                         double origin) {
  std::string out = nlohmann::json{{"name", "thread_name"},
                                   {"ph", "M"},
                                   {"pid", 0},
                                   {"tid", rank},
                                   {"args", {{"name", rank_label}}}}
                        .dump();
  for (const auto& event : timeline.events()) {
    std::string name = event.label != nullptr ? event.label : event_kind_name(event.kind);
    if (event.micro_batch >= 0) {
      name += " mb" + std::to_string(event.micro_batch);
      if (event.chunk > 0) name += " c" + std::to_string(event.chunk);
    }
    nlohmann::json item = {{"name", name},
                           {"cat", event_kind_name(event.kind)},
                           {"ph", "X"},
                           {"pid", 0},
                           {"tid", rank},
                           {"ts", (event.begin - origin) * 1e6},
                           {"dur", (event.end - event.begin) * 1e6},
                           {"args", {{"step", event.step}, {"micro_batch", event.micro_batch}, {"chunk", event.chunk}}}};
    out += "," + item.dump();
  }
  return out;
}

void write_trace(const std::string& path, const std::vector<std::string>& per_rank_events) {
  OutputFile out(path, "--trace");  // every write checked: a lost trace is an error
  out.write("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [");
  for (size_t rank = 0; rank < per_rank_events.size(); ++rank) {
    if (rank != 0) out.write(",");
    out.write(per_rank_events[rank]);
  }
  out.write("]}\n");
  out.commit();
}

}  // namespace paratrain
