// A pipeline stage may start mid-block (model/pieces.h): two chunks that cut
// a block between its halves compute exactly what one chunk of whole units
// does, forward and backward (whole and split into input and weight halves).
#include "model/pieces.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/memory.h"
#include "model/chunk.h"
#include "model/parameters.h"

namespace paratrain {

namespace {

ModelConfig two_blocks() {
  ModelConfig model;
  model.vocab_size = 50;
  model.seq_len = 12;
  model.d_model = 16;
  model.n_heads = 4;
  model.n_layers = 2;
  model.dropout = 0.1f;
  model.batch_size = 2;
  return model;
}

struct Batch {
  std::vector<int32_t> tokens, targets;
  MicroBatchView view() const { return {tokens.data(), targets.data(), 0, 2}; }
};

Batch make_batch(const ModelConfig& model) {
  Batch batch;
  for (int idx = 0; idx < model.batch_size * model.seq_len; ++idx) {
    batch.tokens.push_back((idx * 7) % model.vocab_size);
    batch.targets.push_back((idx * 11 + 3) % model.vocab_size);
  }
  return batch;
}

// Every gradient by name.
std::vector<std::pair<std::string, std::vector<float>>> grads_of(ParameterTable& params) {
  std::vector<std::pair<std::string, std::vector<float>>> grads;
  for (const auto& entry : params.entries()) {
    const float* grad = params.grads() + entry.offset;
    grads.push_back({entry.spec.name, std::vector<float>(grad, grad + entry.spec.numel())});
  }
  return grads;
}

struct Result {
  double loss = 0;
  std::vector<std::pair<std::string, std::vector<float>>> grads;
};

Result run_whole(const ModelConfig& model, const Batch& batch, const StepContext& ctx) {
  MemoryTracker tracker;
  Workspace workspace(tracker, model, 2, {});
  ModelChunk chunk(model, whole_model(model), tracker, workspace, 2, 1);
  initialize_parameters(chunk.params(), 7);
  chunk.head()->reset_loss();
  chunk.forward(ctx, batch.view(), 0);
  chunk.backward(ctx, batch.view(), 0);
  return {chunk.head()->loss_sum(), grads_of(chunk.params())};
}

// Two chunks cut after partition unit `cut`, the activation and its gradient
// copied between them as the pipeline would send them.
Result run_cut(const ModelConfig& model, const Batch& batch, const StepContext& ctx, int cut,
               bool split) {
  MemoryTracker tracker;
  Workspace workspace(tracker, model, 2, {});
  ModelChunk first(model, pieces_of(model, 0, cut), tracker, workspace, 2, 1);
  ModelChunk second(model, pieces_of(model, cut, partition_unit_count(model)), tracker, workspace,
                    2, 1);
  initialize_parameters(first.params(), 7);
  initialize_parameters(second.params(), 7);
  const size_t stream = size_t(2) * model.seq_len * model.d_model;
  second.head()->reset_loss();
  first.forward(ctx, batch.view(), 0);
  std::memcpy(second.input(0), first.output(0), sizeof(float) * stream);
  second.forward(ctx, batch.view(), 0);
  if (split) {
    first.allow_split_backward(tracker);
    second.allow_split_backward(tracker);
    second.backward_input(ctx, batch.view(), 0);
    std::memcpy(first.grad_output(), second.grad_input(), sizeof(float) * stream);
    first.backward_input(ctx, batch.view(), 0);
    first.backward_weight(ctx, batch.view(), 0);
    second.backward_weight(ctx, batch.view(), 0);
  } else {
    second.backward(ctx, batch.view(), 0);
    std::memcpy(first.grad_output(), second.grad_input(), sizeof(float) * stream);
    first.backward(ctx, batch.view(), 0);
  }
  Result result{second.head()->loss_sum(), grads_of(first.params())};
  for (auto& grad : grads_of(second.params())) result.grads.push_back(std::move(grad));
  return result;
}

void expect_identical(const Result& whole, const Result& cut, const std::string& name) {
  EXPECT_EQ(whole.loss, cut.loss) << name;
  ASSERT_EQ(whole.grads.size(), cut.grads.size()) << name;
  for (size_t idx = 0; idx < whole.grads.size(); ++idx) {
    EXPECT_EQ(whole.grads[idx].first, cut.grads[idx].first) << name;  // same tensors, same order
    EXPECT_EQ(whole.grads[idx].second, cut.grads[idx].second)
        << name << " " << whole.grads[idx].first;
  }
}

}  // namespace

TEST(Pieces, CutsMakeHalvesOnlyAtTheEdges) {
  const ModelConfig model = two_blocks();  // Embed, A0, M0, A1, M1, Head
  EXPECT_EQ(partition_unit_count(model), 6);
  EXPECT_EQ(whole_model(model), (std::vector<UnitPiece>{{0}, {1}, {2}, {3}}));
  EXPECT_EQ(pieces_of(model, 0, 2), (std::vector<UnitPiece>{{0}, {1, BlockPart::kAttention}}));
  EXPECT_EQ(pieces_of(model, 2, 6),
            (std::vector<UnitPiece>{{1, BlockPart::kMlp}, {2, BlockPart::kWhole}, {3}}));
  EXPECT_EQ(pieces_of(model, 2, 4),
            (std::vector<UnitPiece>{{1, BlockPart::kMlp}, {2, BlockPart::kAttention}}));
  // the halves hold the block's parameters between them, once
  const auto attention = piece_parameter_specs(model, {1, BlockPart::kAttention});
  const auto mlp = piece_parameter_specs(model, {1, BlockPart::kMlp});
  const auto whole = unit_parameter_specs(model, 1);
  ASSERT_EQ(attention.size() + mlp.size(), whole.size());
  EXPECT_EQ(attention.front().name, "blocks.0.ln1.weight");
  EXPECT_EQ(attention.back().name, "blocks.0.attn.proj.bias");
  EXPECT_EQ(mlp.front().name, "blocks.0.ln2.weight");
  EXPECT_EQ(mlp.back().name, "blocks.0.mlp.fc2.bias");
}

TEST(Pieces, ACutBlockComputesWhatTheWholeOneDoes) {
  const ModelConfig model = two_blocks();
  const Batch batch = make_batch(model);
  const StepContext ctx{3, 1, model.dropout, 1.0f / 24};
  const Result whole = run_whole(model, batch, ctx);
  EXPECT_GT(whole.loss, 0);
  for (int cut = 1; cut < partition_unit_count(model); ++cut) {
    for (bool split : {false, true}) {
      expect_identical(whole, run_cut(model, batch, ctx, cut, split),
                       "cut after unit " + std::to_string(cut) + (split ? ", split backward" : ""));
    }
  }
}

TEST(Pieces, ACutBlockUnderBf16AndRecompute) {
  for (const auto& [precision, recompute] : {std::pair{Precision::kBf16, Recompute::kNone},
                                             std::pair{Precision::kFp32, Recompute::kSelective},
                                             std::pair{Precision::kBf16, Recompute::kFull}}) {
    ModelConfig model = two_blocks();
    model.precision = precision;
    model.recompute = recompute;
    const Batch batch = make_batch(model);
    const StepContext ctx{3, 1, model.dropout, 1.0f / 24};
    const Result whole = run_whole(model, batch, ctx);
    for (int cut : {2, 3}) {                             // inside block 0, between the blocks
      const bool split = recompute != Recompute::kFull;  // full recompute keeps nothing for W
      expect_identical(whole, run_cut(model, batch, ctx, cut, split),
                       "cut after unit " + std::to_string(cut));
    }
  }
}

}  // namespace paratrain
