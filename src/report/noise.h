#pragma once
// How the report judges a difference against the machine's noise.
//
// The rule: one strategy is ahead of another only when its slowest repeat
// beat the other's fastest (its min above the other's max, over repeats).
// With the 3 to 5 repeats a study affords, min to max is the only interval
// the data supports without assuming a distribution, and disjoint ranges
// mean every repeat agreed on the order; overlapping ranges are reported as
// tied within noise. It is conservative: a true 2% lead on a machine whose
// runs move by 10% is called a tie, which is what the data can show.
// A point measured once has a zero-width range: it is judged as before, and
// the report says that its noise was not measured.
#include <optional>
#include <string>

#include "report/results.h"

namespace paratrain::report {

// `ahead`'s lead over `behind` exceeds their combined spread.
bool beyond_noise(const Spread& ahead, const Spread& behind);
// The run's range of tokens/s (of per-device tokens/s) over its repeats; the
// value itself for a run measured once (or built without folding).
Spread tokens_range(const MeasuredRun& run);
Spread per_device_range(const MeasuredRun& run);

// "14800–15200" (rounded to whole numbers), or "" for a single repeat.
std::string range_text(const Spread& spread, int repeats);

// A table cell: "15000 (14800–15200)" over repeats, "15000" for a single one.
std::string value_with_range(double value, const Spread& spread, int repeats, int decimals);

// The machine's noise: relative spread (max − min) / median of tokens/s.
struct NoiseFloor {
  std::optional<double> sequential;  // of seq's base point (or its first point), when measured more than once
  std::optional<double> median_all;  // median over every point measured more than once
  std::optional<double> widest_all;
  int repeats_min = 0, repeats_max = 0;  // over the points
};
NoiseFloor noise_floor(const Results& results);

// The header's paragraph: the machine, its load, the repeats and the noise floor.
std::string noise_header(const Results& results);

}  // namespace paratrain::report
