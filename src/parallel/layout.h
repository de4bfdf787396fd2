#pragma once
// A parallel layout: how the model's units and the batch are spread over the
// ranks (DESIGN.md principle 1). Sequential is dp = pp = tp = 1.
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "comm/process_grid.h"
#include "model/config.h"
#include "parallel/partition.h"
#include "parallel/schedule.h"

namespace paratrain {

// ZeRO's stages this code has: none, or stage 1 (the optimizer state sharded
// over the data-parallel group).
enum class ZeroStage { kNone, kOptimizerState };
// 0 or 1: the --zero flag's and the run record's "zero" value.
int zero_stage_number(ZeroStage stage);
// UsageError "--zero must be 0 or 1 (got N)" for anything else.
ZeroStage zero_stage_from_number(int number);

struct Layout {
  GridShape grid;
  int micro_batch = 0;        // samples per micro-batch; 0: the replica's whole batch
  ScheduleKind schedule = ScheduleKind::kOneFOneB;
  int virtual_stages = 1;
  // Partition units per model stage (parallel/partition.h); empty: balanced
  // by modelled cost (train and bench measure the units first and fill it).
  std::vector<int> partition;
  size_t bucket_bytes = 4u << 20;  // data-parallel gradient bucket size
  bool sequence_parallel = false;  // split layernorm/dropout regions along the sequence (tp > 1)
  ZeroStage zero = ZeroStage::kNone;
  std::string schedule_file;       // --schedule-file: lists written as text; empty: generated
  // --fill-waits: a deferred W whose B has run may fill a receive's wait
  // (pipeline_executor.h); false runs every list exactly in its order.
  bool fill_waits = false;

  int replica_batch(const ModelConfig& model) const { return model.batch_size / grid.dp; }
  int micro_batch_size(const ModelConfig& model) const {
    return micro_batch > 0 ? micro_batch : replica_batch(model);
  }
  int micro_batches(const ModelConfig& model) const {
    return replica_batch(model) / micro_batch_size(model);
  }
  int model_stages() const { return grid.pp * virtual_stages; }
  PipelineShape pipeline_shape(const ModelConfig& model) const {
    return {grid.pp, micro_batches(model), virtual_stages};
  }
  std::string to_json() const;
  // The fields of to_json(): dp, pp, tp and micro_batch required, the others
  // default when absent; JsonFieldError (core/json_fields.h) names a bad one.
  // Does not check the layout against a model (check_layout does).
  static Layout from_json(const nlohmann::json& layout);

  bool operator==(const Layout&) const = default;
};

// Refuses, with a UsageError naming the flag and the rule, every layout that
// does not fit the model and the world: world size, batch splits, stages vs
// blocks, the schedule's own rules, the partition. Checks no MPI state.
void check_layout(const ModelConfig& model, const Layout& layout, int world_size);

// Partition units per model stage. Given, it is checked; otherwise chosen to
// minimise the costliest stage at the modelled costs (parallel/partition.h).
std::vector<int> stage_partition(const ModelConfig& model, const Layout& layout);

// The partition units [begin, end) of model stage `stage` (model/pieces.h:
// 0 = Embed, 2b + 1 and 2b + 2 block b's attention and MLP halves, 2L + 1 Head).
struct UnitRange {
  int begin = 0, end = 0;
};
UnitRange stage_units(const ModelConfig& model, const std::vector<int>& partition, int stage);

}  // namespace paratrain
