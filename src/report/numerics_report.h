#pragma once
// What bf16 and recomputation bought (issue 10): each strategy's bf16 and
// recompute points against its own fp32, no-recompute point of the same
// sweep, as two bar figures (tokens/s with the spread over repeats; peak
// memory of the largest rank by category) and observations judged against
// the noise.
#include <string>
#include <vector>

#include "report/figures.h"
#include "report/observations.h"
#include "report/results.h"

namespace paratrain::report {

// One numerics point of a strategy beside its baseline (precision fp32,
// recompute none) at the same config otherwise.
struct NumericsPair {
  std::string strategy;
  std::string variant;  // "bf16", "recompute selective", "recompute full"
  const MeasuredRun* baseline = nullptr;
  const MeasuredRun* run = nullptr;
};

// Every pair the results hold, strategy by strategy (in sweep order), the
// precision axis first.
std::vector<NumericsPair> numerics_pairs(const Results& results);

FigurePlan numerics_throughput_figure(const Results& results);
FigurePlan numerics_memory_figure(const Results& results);
ObservationSection numerics_bought(const Results& results);

}  // namespace paratrain::report
