#include "parallel/layout.h"

#include <gtest/gtest.h>

#include <numeric>

#include "core/error.h"

namespace paratrain {

namespace {

ModelConfig eight_blocks() {
  ModelConfig model = cpu_small_config();
  model.n_layers = 8;
  return model;
}

std::string refusal(const ModelConfig& model, const Layout& layout, int world) {
  try {
    check_layout(model, layout, world);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(Layout, BalancedPartitionCoversEveryBlockOnce) {
  for (int layers = 1; layers <= 12; ++layers) {
    ModelConfig model = eight_blocks();
    model.n_layers = layers;
    for (int stages = 1; stages <= layers; ++stages) {
      Layout layout;
      layout.grid.pp = stages;
      const auto counts = stage_partition(model, layout);
      ASSERT_EQ(static_cast<int>(counts.size()), stages);
      EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), 0), layers);
      for (int count : counts) EXPECT_GE(count, 1);
      // balanced: no two stages differ by more than one block, bar the head's share
      const auto [low, high] = std::minmax_element(counts.begin(), counts.end());
      EXPECT_LE(*high - *low, 2) << layers << " layers on " << stages << " stages";
    }
  }
}

TEST(Layout, HeavyHeadGetsFewerBlocks) {
  ModelConfig model = eight_blocks();
  model.vocab_size = 50000;  // the head costs more than a block
  Layout layout;
  layout.grid.pp = 2;
  const auto counts = stage_partition(model, layout);
  EXPECT_GT(counts[0], counts[1]);
}

TEST(Layout, StageUnitsPutEmbedFirstAndHeadLast) {
  const ModelConfig model = eight_blocks();
  const std::vector<int> partition = {3, 2, 3};
  const UnitRange first = stage_units(model, partition, 0);
  const UnitRange middle = stage_units(model, partition, 1);
  const UnitRange last = stage_units(model, partition, 2);
  EXPECT_EQ(first.begin, 0);  // Embed
  EXPECT_EQ(first.end, 4);    // blocks 0..2 are units 1..3
  EXPECT_EQ(middle.begin, 4);
  EXPECT_EQ(middle.end, 6);
  EXPECT_EQ(last.begin, 6);
  EXPECT_EQ(last.end, 10);    // blocks 5..7 and the Head (unit 9)
}

TEST(Layout, RefusesWhatDoesNotFit) {
  const ModelConfig model = eight_blocks();  // B = 16, L = 8
  Layout layout;
  EXPECT_EQ(refusal(model, layout, 1), "(accepted)");
  layout.grid.dp = 2;
  EXPECT_NE(refusal(model, layout, 4).find("world size 4 must equal"), std::string::npos);
  layout.grid.dp = 3;
  EXPECT_NE(refusal(model, layout, 3).find("--batch-size (16) must be divisible by --dp (3)"), std::string::npos);
  layout = Layout{};
  layout.micro_batch = 3;
  EXPECT_NE(refusal(model, layout, 1).find("--micro-batch (3) must divide"), std::string::npos);
  layout = Layout{};
  layout.grid.pp = 3;
  layout.virtual_stages = 3;
  layout.schedule = ScheduleKind::kInterleaved;
  EXPECT_NE(refusal(model, layout, 3).find("must not exceed --n-layers"), std::string::npos);
  layout = Layout{};
  layout.grid.pp = 2;
  layout.virtual_stages = 3;
  layout.schedule = ScheduleKind::kInterleaved;
  layout.micro_batch = 4;
  EXPECT_NE(refusal(model, layout, 2).find("--virtual-stages (3) must divide the blocks of a stage"), std::string::npos);
  layout.partition = {1, 1, 2, 1, 2, 1};
  EXPECT_EQ(refusal(model, layout, 2), "(accepted)");
  layout = Layout{};
  layout.virtual_stages = 2;
  EXPECT_NE(refusal(model, layout, 1).find("--virtual-stages"), std::string::npos);
  layout = Layout{};
  layout.grid.pp = 2;
  layout.partition = {3, 3};
  EXPECT_NE(refusal(model, layout, 2).find("--partition must add up to --n-layers (8)"), std::string::npos);
  layout.partition = {8};
  EXPECT_NE(refusal(model, layout, 2).find("one block count per model stage"), std::string::npos);
  layout.partition = {0, 8};
  EXPECT_NE(refusal(model, layout, 2).find("at least one block"), std::string::npos);
  layout = Layout{};
  layout.grid.tp = 3;
  EXPECT_NE(refusal(model, layout, 3).find("--n-heads (8) must be divisible by --tp (3)"), std::string::npos);
  layout.grid.tp = 2;
  EXPECT_EQ(refusal(model, layout, 2), "(accepted)");
  layout.sequence_parallel = true;
  EXPECT_EQ(refusal(model, layout, 2), "(accepted)");
  layout.grid.tp = 1;
  EXPECT_NE(refusal(model, layout, 1).find("--sequence-parallel needs --tp > 1"), std::string::npos);
  layout = Layout{};
  layout.zero = ZeroStage::kOptimizerState;
  EXPECT_NE(refusal(model, layout, 1).find("--zero 1 needs --dp > 1"), std::string::npos);
  layout.grid.dp = 2;
  EXPECT_EQ(refusal(model, layout, 2), "(accepted)");
}

TEST(Layout, ParsesPartitions) {
  EXPECT_EQ(parse_partition("2,3,3"), (std::vector<int>{2, 3, 3}));
  EXPECT_THROW(parse_partition("2,x"), UsageError);
  EXPECT_THROW(parse_partition("2;3"), UsageError);
}

}  // namespace paratrain
