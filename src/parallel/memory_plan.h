#pragma once
// The bytes a rank will allocate, known before it allocates them: the
// trainer's own constructors run against a plan-only MemoryTracker
// (core/memory.h), so the plan is the runtime's allocation list, not a
// second formula. A run that cannot fit is refused before any work.
#include <cstddef>
#include <optional>
#include <string>

#include "comm/process_grid.h"
#include "core/memory.h"
#include "io/token_source.h"
#include "parallel/layout.h"
#include "parallel/trainer.h"

namespace paratrain {

struct MemoryPlan {
  size_t total_bytes = 0;                   // the tracker's peak
  std::array<size_t, kMemoryCategoryCount> category_bytes{};  // each category's peak
  MemoryCategory largest = MemoryCategory::kParameters;
};

// Collective over the grid's world (as the Trainer's constructor is).
MemoryPlan plan_trainer_memory(const TrainOptions& options, const Layout& layout,
                               const ProcessGrid& grid, const TokenSource& data);

struct AvailableMemory {
  size_t bytes = 0;
  std::string source;  // "MemAvailable" or the cgroup file that limits it
};

// MemAvailable from /proc/meminfo, or the cgroup's remaining limit if lower.
AvailableMemory available_memory();

struct MemoryCheck {
  MemoryPlan plan;                     // this rank's
  std::optional<std::string> refusal;  // one line, set on every rank when any rank cannot fit
};

// Collective: every rank plans; the ranks on one host must fit together in
// what that host has.
MemoryCheck check_memory(const TrainOptions& options, const Layout& layout, const ProcessGrid& grid,
                         const TokenSource& data);

}  // namespace paratrain
