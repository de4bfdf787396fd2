#include "parallel/partition_profile.h"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/memory.h"
#include "model/block.h"
#include "model/embed.h"
#include "model/head.h"
#include "model/parameters.h"
#include "model/workspace.h"

namespace paratrain {

namespace {

constexpr int kTimedRuns = 3;  // after one warm-up; the median is kept

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

PartitionCosts measure_partition_costs(const ModelConfig& model, int micro_batch) {
  // One block of each half, with the embedding and the head, at the run's
  // widths: every block costs the same, so one stands for all.
  ModelConfig one_block = model;
  one_block.n_layers = 1;
  MemoryTracker tracker;
  const TensorParallel tp{};
  Workspace workspace(tracker, one_block, micro_batch, tp);
  std::vector<ParameterSpec> specs;
  const std::vector<UnitPiece> pieces = {{0, BlockPart::kWhole},
                                         {1, BlockPart::kAttention},
                                         {1, BlockPart::kMlp},
                                         {2, BlockPart::kWhole}};
  for (const UnitPiece& piece : pieces) {
    for (auto& spec : piece_parameter_specs(one_block, piece)) specs.push_back(std::move(spec));
  }
  ParameterTable params(tracker, std::move(specs));
  initialize_parameters(params, 1);
  std::array<std::unique_ptr<Unit>, 4> units = {
      std::make_unique<Embed>(one_block, params, workspace, tp),
      std::make_unique<Block>(one_block, 0, BlockPart::kAttention, params, workspace, tp, tracker,
                              micro_batch, 1),
      std::make_unique<Block>(one_block, 0, BlockPart::kMlp, params, workspace, tp, tracker,
                              micro_batch, 1),
      std::make_unique<Head>(one_block, params, workspace, tp, tracker, micro_batch, 1)};

  const size_t tokens = static_cast<size_t>(micro_batch) * model.seq_len;
  const size_t stream = tokens * model.d_model;
  std::vector<int32_t> token_ids(tokens), targets(tokens);
  for (size_t idx = 0; idx < tokens; ++idx) {
    token_ids[idx] = static_cast<int32_t>((idx * 7919) % model.vocab_size);
    targets[idx] = static_cast<int32_t>((idx * 104729 + 1) % model.vocab_size);
  }
  // The residual stream between the units, and gradients between them.
  std::array<Buffer<float>, 3> activations, gradients;
  for (auto& buffer : activations)
    buffer = Buffer<float>(tracker, MemoryCategory::kActivations, stream);
  for (auto& buffer : gradients)
    buffer = Buffer<float>(tracker, MemoryCategory::kWorkspace, stream);
  const MicroBatchView batch{token_ids.data(), targets.data(), 0, micro_batch};

  std::array<std::vector<double>, 4> seconds;
  for (int run = 0; run <= kTimedRuns; ++run) {
    const StepContext ctx{1, static_cast<uint32_t>(run), model.dropout,
                          1.0f / static_cast<float>(tokens)};
    std::array<double, 4> elapsed{};
    for (int unit = 0; unit < 4; ++unit) {
      const float* in = unit == 0 ? nullptr : activations[unit - 1].data();
      float* out = unit == 3 ? nullptr : activations[unit].data();
      const double begin = now_seconds();
      units[unit]->forward(ctx, batch, 0, in, out);
      elapsed[unit] += now_seconds() - begin;
    }
    for (int unit = 3; unit >= 0; --unit) {
      const float* in = unit == 0 ? nullptr : activations[unit - 1].data();
      float* d_out = unit == 3 ? nullptr : gradients[unit].data();
      float* d_in = unit == 0 ? nullptr : gradients[unit - 1].data();
      const double begin = now_seconds();
      units[unit]->backward(ctx, batch, 0, in, d_out, d_in);
      elapsed[unit] += now_seconds() - begin;
    }
    if (run == 0) continue;  // the warm-up pays first touches
    for (int unit = 0; unit < 4; ++unit) seconds[unit].push_back(elapsed[unit]);
  }
  return {median(seconds[0]), median(seconds[1]), median(seconds[2]), median(seconds[3])};
}

MeasuredPartition measured_partition(const ModelConfig& model, const Layout& layout,
                                     const Communicator& world) {
  // Every rank measures (so each core is as busy as the others), rank 0's count.
  PartitionCosts costs = measure_partition_costs(model, layout.micro_batch_size(model));
  std::array<double, 4> shared = {costs.embed, costs.attention, costs.mlp, costs.head};
  world.broadcast(shared.data(), sizeof(shared), 0);
  costs = {shared[0], shared[1], shared[2], shared[3]};
  return {balanced_partition(model, layout.model_stages(), costs), costs};
}

}  // namespace paratrain
