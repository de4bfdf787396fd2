#pragma once
// What a sweep runs, as typed data: the base configuration, the grid of
// one-factor variations, the strategies and the steps of each bench run.
// Built from flags (--grid field=v1,v2) or from a sweep file.
#include <string>
#include <vector>

#include "model/config.h"
#include "sweep/strategy.h"
#include "record/sweep_field.h"

namespace paratrain {

struct GridAxis {
  SweepField field = SweepField::kBatchSize;
  std::vector<double> values;
};

struct SweepSpec {
  ModelConfig base;
  // Micro-batch of the pipeline strategies where micro_batch is not varied;
  // the others run a replica's whole batch at once.
  int base_micro_batch = 2;
  std::vector<GridAxis> grid;
  std::vector<Strategy> strategies;
  int warmup = 1, steps = 3;
  // Each point is measured this many times, as separate jobs (plan_sweep interleaves them).
  int repeats = 1;
};

// "batch_size=8,16,32" -> {kBatchSize, {8, 16, 32}}; UsageError for an
// unknown field, an empty list or a value that is not a number (or not a
// whole one for an integer field).
GridAxis parse_grid_flag(const std::string& text);
// UsageError if a field appears twice or a list is empty.
void check_grid_axes(const std::vector<GridAxis>& grid);

// Reads {"base": {field: value}, "grid": {field: [values]}, "strategies":
// [names], "warmup": n, "steps": n, "repeats": n} into `spec`; what the file leaves out
// keeps the value `spec` already holds. Strategies stay empty when absent.
void load_sweep_file(const std::string& path, SweepSpec& spec);

}  // namespace paratrain
