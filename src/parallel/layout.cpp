#include "parallel/layout.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "core/json_fields.h"

namespace paratrain {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw UsageError(message);
}

std::string str(long value) { return std::to_string(value); }

// Forward FLOPs per token of one block and of the head, in block units.
double head_cost_in_blocks(const ModelConfig& model) {
  const double d = model.d_model, t = model.seq_len;
  const double block = 2.0 * (4 * d * d + 2 * model.ffn_mult * d * d) + 4.0 * t * d;
  const double head = 2.0 * model.vocab_size * d + 5.0 * model.vocab_size;  // matmul + softmax
  return head / block;
}

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
                        {"partition", partition},
                        {"bucket_bytes", bucket_bytes},
                        {"sequence_parallel", sequence_parallel},
                        {"zero", zero_stage_number(zero)}};
  if (!schedule_file.empty()) json["schedule_file"] = schedule_file;
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
  if (json_has(json, "partition")) {
    if (!json["partition"].is_array()) throw JsonFieldError("partition", "is not an array");
    for (const auto& count : json["partition"]) {
      if (!count.is_number_integer()) throw JsonFieldError("partition", "holds a non-integer");
      layout.partition.push_back(count.get<int>());
    }
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
  require(layout.model_stages() <= model.n_layers,
          "--pp x --virtual-stages (" + str(layout.model_stages()) +
              ") must not exceed --n-layers (" + str(model.n_layers) + "): every stage needs a block");
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
  // The deferred weight gradients read fp32 inputs kept per micro-batch.
  require(!splits_backward || (model.precision == Precision::kFp32 && model.recompute == Recompute::kNone),
          "a schedule with weight-gradient (W) actions (zb-h1, zb-h2) runs with --precision fp32 and "
          "--recompute none only");
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
  const int stages = layout.model_stages(), blocks = model.n_layers;
  if (!layout.partition.empty()) {
    require(static_cast<int>(layout.partition.size()) == stages,
            "--partition needs one block count per model stage (" + str(stages) + " = --pp x --virtual-stages), got " +
                str(static_cast<long>(layout.partition.size())));
    for (int count : layout.partition) require(count >= 1, "--partition: every stage needs at least one block");
    require(std::accumulate(layout.partition.begin(), layout.partition.end(), 0) == blocks,
            "--partition must add up to --n-layers (" + str(blocks) + ")");
    return layout.partition;
  }
  // Minimise the largest stage cost over contiguous splits (dynamic programme
  // over (stages used, blocks used)); embedding cost is negligible next to a block.
  const double head = head_cost_in_blocks(model);
  auto cost = [&](int stage, int first_block, int end_block) {
    return (end_block - first_block) + (stage == stages - 1 ? head : 0.0);
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> best(stages + 1, std::vector<double>(blocks + 1, inf));
  std::vector<std::vector<int>> cut(stages + 1, std::vector<int>(blocks + 1, 0));
  best[0][0] = 0;
  for (int stage = 1; stage <= stages; ++stage) {
    for (int used = stage; used <= blocks; ++used) {
      for (int prev = stage - 1; prev < used; ++prev) {
        const double value = std::max(best[stage - 1][prev], cost(stage - 1, prev, used));
        if (value < best[stage][used] - 1e-12) {
          best[stage][used] = value;
          cut[stage][used] = prev;
        }
      }
    }
  }
  std::vector<int> counts(stages);
  for (int stage = stages, used = blocks; stage > 0; --stage) {
    counts[stage - 1] = used - cut[stage][used];
    used = cut[stage][used];
  }
  return counts;
}

UnitRange stage_units(const ModelConfig& model, const std::vector<int>& partition, int stage) {
  const int first_block = std::accumulate(partition.begin(), partition.begin() + stage, 0);
  UnitRange range{1 + first_block, 1 + first_block + partition[stage]};
  if (stage == 0) range.begin = 0;                                      // with the embedding
  if (stage == static_cast<int>(partition.size()) - 1) range.end = model.n_layers + 2;  // and the head
  return range;
}

std::vector<int> parse_partition(const std::string& text) {
  std::vector<int> counts;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    try {
      size_t used = 0;
      counts.push_back(std::stoi(item, &used));
      require(used == item.size(), "");
    } catch (const std::exception&) {
      throw UsageError("--partition must be a comma-separated list of block counts (got '" + text + "')");
    }
  }
  require(!counts.empty(), "--partition must not be empty");
  return counts;
}

}  // namespace paratrain
