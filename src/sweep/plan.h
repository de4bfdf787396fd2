#pragma once
// Expands a SweepSpec into its points (a one-factor sweep) and checks every
// one before anything runs.
#include <vector>

#include "sweep/sweep_point.h"
#include "sweep/sweep_spec.h"

namespace paratrain {

// For each strategy: the base point, then each grid field varied alone from
// the base, value by value (micro_batch for the pipeline strategies only).
// Points are ordered field by field, strategies innermost, so an interrupted
// sweep has compared the strategies on what it did finish. With
// spec.repeats = N the whole list is repeated N times (repeat 0 of every
// point, then repeat 1 of every point, ...: A B C A B C, not A A B B C C), so
// that a slow minute of a shared machine falls on several strategies rather
// than on all repeats of one.
//
// Refuses (UsageError naming the point) a configuration that fails
// ModelConfig::validate, a micro_batch below 1, and a grid value that no
// strategy can run. A layout that cannot run one point (check_layout refuses
// it) marks that point skipped with the reason.
std::vector<SweepPoint> plan_sweep(const SweepSpec& spec);

}  // namespace paratrain
