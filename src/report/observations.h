#pragma once
// Observations computed from the results, never written in advance: who wins
// at each point and by how much, where per-device efficiency drops, memory,
// MFU and bubble against the model.
#include <string>
#include <vector>

#include "report/results.h"

namespace paratrain::report {

struct ObservationSection {
  std::string heading;
  std::vector<std::string> lines;  // Markdown, one bullet each
};

std::vector<ObservationSection> observations(const Results& results);

// The parts, each its own section.
ObservationSection throughput_winners(const Results& results);
ObservationSection efficiency_drops(const Results& results);
ObservationSection memory_and_mfu(const Results& results);
ObservationSection bubble_against_model(const Results& results);

// Per-device throughput below this share of seq's counts as a drop.
constexpr double kEfficiencyThreshold = 0.9;

}  // namespace paratrain::report
