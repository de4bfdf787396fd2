#include "parallel/layout.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "core/json_fields.h"
#include "model/pieces.h"
#include "parallel/partition.h"

namespace paratrain {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw UsageError(message);
}

std::string str(long value) { return std::to_string(value); }

void check_tensor_parallel(const ModelConfig& model, const Layout& layout) {
  const int tp = layout.grid.tp;
  auto divides = [&](int value, const std::string& what) {
    require(value % tp == 0, what + " (" + str(value) + ") must be divisible by --tp (" + str(tp) + ")");
  };
  divides(model.n_heads, "--n-heads");
  divides(model.ffn_width(), "the MLP width --ffn-mult x --d-model");
  divides(model.vocab_size, "--vocab-size");
  if (layout.sequence_parallel) {
    require(tp > 1, "--sequence-parallel needs --tp > 1");
    divides(model.seq_len, "--seq-len");
  }
  require(layout.zero == ZeroStage::kNone || layout.grid.dp > 1, "--zero 1 needs --dp > 1: it shards the optimizer over the replicas");
}

}  // namespace

int zero_stage_number(ZeroStage stage) { return stage == ZeroStage::kOptimizerState ? 1 : 0; }

ZeroStage zero_stage_from_number(int number) {
  require(number == 0 || number == 1, "--zero must be 0 or 1 (got " + str(number) + ")");
  return number == 1 ? ZeroStage::kOptimizerState : ZeroStage::kNone;
}

std::string Layout::to_json() const {
  nlohmann::json json{{"dp", grid.dp},
                        {"pp", grid.pp},
                        {"tp", grid.tp},
                        {"micro_batch", micro_batch},
                        {"schedule", schedule_kind_name(schedule)},
                        {"virtual_stages", virtual_stages},
                        {"partition_units", partition},
                        {"bucket_bytes", bucket_bytes},
                        {"sequence_parallel", sequence_parallel},
                        {"zero", zero_stage_number(zero)},
                        {"fill_waits", fill_waits}};
  if (!schedule_file.empty()) json["schedule_file"] = schedule_file;
  // Blocks per stage as records had them before stages could start
  // mid-block, where the partition falls on whole blocks (older readers).
  std::vector<int> blocks;
  for (size_t stage = 0; stage < partition.size(); ++stage) {
    const int halves = partition[stage] - (stage == 0 ? 1 : 0) - (stage + 1 == partition.size() ? 1 : 0);
    if (halves < 0 || halves % 2 != 0) break;
    blocks.push_back(halves / 2);
  }
  if (!partition.empty() && blocks.size() == partition.size()) json["partition"] = blocks;
  return json.dump();
}

Layout Layout::from_json(const nlohmann::json& json) {
  Layout layout;
  layout.grid = {json_int(json, "dp"), json_int(json, "pp"), json_int(json, "tp")};
  layout.micro_batch = json_int(json, "micro_batch");
  // "none": a hand-written record's way to say "no pipeline"; the default serves.
  const std::string schedule = json_text_or(json, "schedule", "none");
  if (schedule != "none") {
    try {
      layout.schedule = parse_schedule_kind(schedule);
    } catch (const UsageError&) {
      throw JsonFieldError("schedule", "'" + schedule + "' is not gpipe, 1f1b, interleaved, zb-h1 or zb-h2");
    }
  }
  layout.virtual_stages = json_int_or(json, "virtual_stages", 1);
  // "partition_units": partition units per stage; records written before a
  // stage could start mid-block have "partition", blocks per stage.
  for (const char* key : {"partition_units", "partition"}) {
    if (!json_has(json, key) || !layout.partition.empty()) continue;
    if (!json[key].is_array()) throw JsonFieldError(key, "is not an array");
    std::vector<int> counts;
    for (const auto& count : json[key]) {
      if (!count.is_number_integer()) throw JsonFieldError(key, "holds a non-integer");
      counts.push_back(count.get<int>());
    }
    layout.partition = std::string(key) == "partition" ? partition_from_blocks(counts) : counts;
  }
  layout.bucket_bytes = static_cast<size_t>(json_int64_or(json, "bucket_bytes", static_cast<int64_t>(layout.bucket_bytes)));
  if (json_has(json, "sequence_parallel")) {
    if (!json["sequence_parallel"].is_boolean()) throw JsonFieldError("sequence_parallel", "is not a boolean");
    layout.sequence_parallel = json["sequence_parallel"].get<bool>();
  }
  const int zero = json_int_or(json, "zero", 0);
  if (zero != 0 && zero != 1) throw JsonFieldError("zero", "must be 0 or 1");
  layout.zero = zero_stage_from_number(zero);
  layout.schedule_file = json_text_or(json, "schedule_file", "");
  if (json_has(json, "fill_waits")) {
    if (!json["fill_waits"].is_boolean()) throw JsonFieldError("fill_waits", "is not a boolean");
    layout.fill_waits = json["fill_waits"].get<bool>();
  }
  return layout;
}

void check_layout(const ModelConfig& model, const Layout& layout, int world_size) {
  check_grid(layout.grid, world_size);
  check_tensor_parallel(model, layout);
  require(model.batch_size % layout.grid.dp == 0,
          "--batch-size (" + str(model.batch_size) + ") must be divisible by --dp (" +
              str(layout.grid.dp) + ")");
  require(layout.micro_batch >= 0, "--micro-batch must be >= 0");
  const int replica = layout.replica_batch(model);
  require(replica % layout.micro_batch_size(model) == 0,
          "--micro-batch (" + str(layout.micro_batch) + ") must divide the batch of a replica (" +
              str(replica) + " = --batch-size / --dp)");
  require(layout.virtual_stages >= 1, "--virtual-stages must be at least 1");
  require(layout.model_stages() <= partition_unit_count(model),
          "--pp x --virtual-stages (" + str(layout.model_stages()) + ") must not exceed 2 x --n-layers + 2 (" +
              str(partition_unit_count(model)) +
              "): every stage needs a partition unit (the embedding, half a block or the head)");
  bool splits_backward = false;  // a W action defers weight gradients
  if (layout.schedule_file.empty()) {
    check_pipeline_shape(layout.schedule, layout.pipeline_shape(model));
    splits_backward = layout.grid.pp > 1 && (layout.schedule == ScheduleKind::kZbH1 ||
                                              layout.schedule == ScheduleKind::kZbH2);
  } else {
    // validates it
    for (const RankSchedule& list : load_schedule_file(layout.schedule_file, layout.pipeline_shape(model))) {
      for (const Action& action : list) splits_backward |= action.kind == ActionKind::kWeight;
    }
  }
  // The deferred weight gradients read the linear layers' inputs kept per
  // micro-batch; full recompute keeps them for no micro-batch.
  require(!splits_backward || model.recompute != Recompute::kFull,
          "a schedule with weight-gradient (W) actions (zb-h1, zb-h2) needs --recompute none or "
          "selective: W reads each block's saved inputs, which --recompute full does not keep");
  if (layout.virtual_stages > 1 && layout.partition.empty()) {
    // Megatron's rule: each pipeline rank's blocks split evenly into its chunks.
    require(model.n_layers % layout.grid.pp == 0 &&
                (model.n_layers / layout.grid.pp) % layout.virtual_stages == 0,
            "--virtual-stages (" + str(layout.virtual_stages) +
                ") must divide the blocks of a stage (--n-layers / --pp = " + str(model.n_layers) +
                " / " + str(layout.grid.pp) + "); or give --partition");
  }
  require(layout.bucket_bytes >= 4, "--bucket-mb must be positive");
  if (!layout.partition.empty()) stage_partition(model, layout);  // checks it
}

std::vector<int> stage_partition(const ModelConfig& model, const Layout& layout) {
  const int stages = layout.model_stages(), units = partition_unit_count(model);
  if (layout.partition.empty()) return balanced_partition(model, stages, modelled_partition_costs(model));
  const std::string given = partition_text(layout.partition);
  require(static_cast<int>(layout.partition.size()) == stages,
          "--partition " + given + " has " + str(static_cast<long>(layout.partition.size())) +
              " stages; the layout has " + str(stages) + " (--pp x --virtual-stages)");
  for (int count : layout.partition) {
    require(count >= 1, "--partition: every stage needs at least half a block, the embedding or the head");
  }
  const int total = std::accumulate(layout.partition.begin(), layout.partition.end(), 0);
  require(total == units, "--partition must add up to --n-layers (" + str(model.n_layers) + ") blocks (" +
                              given + " holds " + str((total - 2) / 2) + (total % 2 != 0 ? ".5" : "") + ")");
  return layout.partition;
}

UnitRange stage_units(const ModelConfig& model, const std::vector<int>& partition, int stage) {
  PT_CHECK(std::accumulate(partition.begin(), partition.end(), 0) == partition_unit_count(model),
           "a partition that does not cover the model");
  const int begin = std::accumulate(partition.begin(), partition.begin() + stage, 0);
  return {begin, begin + partition[stage]};
}

}  // namespace paratrain
