#pragma once
// Event kinds by name, for readers of traces and records: the inverse of
// event_kind_name (metrics/timeline.h), so a kind added there is known here.
#include <optional>
#include <string>

#include "metrics/timeline.h"

namespace paratrain {

// "forward" -> kForward, ...; empty for a name no kind has.
std::optional<EventKind> parse_event_kind(const std::string& name);

}  // namespace paratrain
