#include "metrics/event_kind_names.h"

namespace paratrain {

std::optional<EventKind> parse_event_kind(const std::string& name) {
  for (int index = 0; index < kEventKindCount; ++index) {
    const auto kind = static_cast<EventKind>(index);
    if (name == event_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace paratrain
