#include "parallel/layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"
#include "core/json_fields.h"
#include "model/pieces.h"

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

TEST(Layout, BalancedPartitionCoversEveryUnitOnce) {
  for (int layers = 1; layers <= 12; ++layers) {
    ModelConfig model = eight_blocks();
    model.n_layers = layers;
    for (int stages = 1; stages <= 2 * layers + 2; ++stages) {
      Layout layout;
      layout.grid.pp = stages;
      const auto counts = stage_partition(model, layout);
      ASSERT_EQ(static_cast<int>(counts.size()), stages);
      EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), 0), 2 * layers + 2);
      for (int count : counts) EXPECT_GE(count, 1);
    }
  }
}

// Min-max by brute force over every split of a small chain, against the
// dynamic programme, at several cost mixes.
TEST(Layout, BalancedPartitionMinimisesTheCostliestStage) {
  ModelConfig model = eight_blocks();
  model.n_layers = 3;  // 8 partition units
  const int units = 8;
  for (const PartitionCosts costs : {PartitionCosts{0.1, 1, 2, 0.7}, PartitionCosts{0, 3, 1, 5},
                                     PartitionCosts{1, 1, 1, 1}, PartitionCosts{2, 0.5, 0.5, 0}}) {
    auto cost_of = [&](int unit) {
      return unit == 0 ? costs.embed : unit == units - 1 ? costs.head : (unit - 1) % 2 == 0 ? costs.attention : costs.mlp;
    };
    for (int stages = 1; stages <= 4; ++stages) {
      auto worst = [&](const std::vector<int>& counts) {
        double high = 0;
        int unit = 0;
        for (int count : counts) {
          double sum = 0;
          for (int idx = 0; idx < count; ++idx) sum += cost_of(unit++);
          high = std::max(high, sum);
        }
        return high;
      };
      double best = 1e300;
      // every composition of 8 into `stages` positive parts
      std::vector<int> counts(stages, 1);
      std::function<void(int, int)> walk = [&](int stage, int left) {
        if (stage == stages - 1) {
          counts[stage] = left;
          best = std::min(best, worst(counts));
          return;
        }
        for (int take = 1; take <= left - (stages - 1 - stage); ++take) {
          counts[stage] = take;
          walk(stage + 1, left - take);
        }
      };
      walk(0, units);
      const auto chosen = balanced_partition(model, stages, costs);
      EXPECT_DOUBLE_EQ(worst(chosen), best) << stages << " stages, chose " << partition_text(chosen);
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

TEST(Layout, StageUnitsArePartitionUnits) {
  const ModelConfig model = eight_blocks();  // 18 partition units
  const std::vector<int> partition = parse_partition("embed+2.5|2|3.5+head");  // {6, 4, 8}
  ASSERT_EQ(partition, (std::vector<int>{6, 4, 8}));
  const UnitRange first = stage_units(model, partition, 0);
  const UnitRange middle = stage_units(model, partition, 1);
  const UnitRange last = stage_units(model, partition, 2);
  EXPECT_EQ(first.begin, 0);  // Embed, blocks 0 and 1, block 2's attention half
  EXPECT_EQ(first.end, 6);
  EXPECT_EQ(middle.begin, 6);  // block 2's MLP half, block 3, block 4's attention half
  EXPECT_EQ(middle.end, 10);
  EXPECT_EQ(last.begin, 10);
  EXPECT_EQ(last.end, 18);  // ... block 7 and the Head (unit 17)
  const auto pieces = pieces_of(model, middle.begin, middle.end);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0], (UnitPiece{3, BlockPart::kMlp}));
  EXPECT_EQ(pieces[1], (UnitPiece{4, BlockPart::kWhole}));
  EXPECT_EQ(pieces[2], (UnitPiece{5, BlockPart::kAttention}));
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
  layout.grid.pp = 4;
  layout.virtual_stages = 5;
  layout.schedule = ScheduleKind::kInterleaved;
  layout.micro_batch = 1;
  EXPECT_NE(refusal(model, layout, 4).find("must not exceed 2 x --n-layers + 2 (18)"), std::string::npos)
      << refusal(model, layout, 4);
  layout = Layout{};
  layout.grid.pp = 2;
  layout.virtual_stages = 3;
  layout.schedule = ScheduleKind::kInterleaved;
  layout.micro_batch = 4;
  EXPECT_NE(refusal(model, layout, 2).find("--virtual-stages (3) must divide the blocks of a stage"), std::string::npos);
  layout.partition = partition_from_blocks({1, 1, 2, 1, 2, 1});
  EXPECT_EQ(refusal(model, layout, 2), "(accepted)");
  layout = Layout{};
  layout.virtual_stages = 2;
  EXPECT_NE(refusal(model, layout, 1).find("--virtual-stages"), std::string::npos);
  layout = Layout{};
  layout.grid.pp = 2;
  layout.partition = parse_partition("3,3");
  EXPECT_NE(refusal(model, layout, 2).find("--partition must add up to --n-layers (8) blocks (embed+3|3+head holds 6)"),
            std::string::npos) << refusal(model, layout, 2);
  layout.partition = parse_partition("8");
  EXPECT_NE(refusal(model, layout, 2).find("has 1 stages; the layout has 2"), std::string::npos);
  layout.partition = {0, 18};
  EXPECT_NE(refusal(model, layout, 2).find("every stage needs at least half a block"), std::string::npos);
  layout.partition = parse_partition("embed|8+head");  // the embedding alone
  EXPECT_EQ(refusal(model, layout, 2), "(accepted)");
  layout.partition = parse_partition("embed+7.5|0.5+head");
  EXPECT_EQ(refusal(model, layout, 2), "(accepted)");
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
  // Blocks per stage, the embedding on the first and the head on the last.
  EXPECT_EQ(parse_partition("2,3,3"), (std::vector<int>{5, 6, 7}));
  EXPECT_EQ(parse_partition("2|3|3"), parse_partition("2,3,3"));
  EXPECT_EQ(parse_partition("embed+2|3|3+head"), parse_partition("2,3,3"));
  EXPECT_EQ(parse_partition("1.5,2.5"), (std::vector<int>{4, 6}));
  EXPECT_EQ(parse_partition("embed|4|head"), (std::vector<int>{1, 8, 1}));
  EXPECT_EQ(parse_partition("4"), (std::vector<int>{10}));
  for (const char* bad : {"", "2,x", "2;3", "2,,2", "0,4", "-1,5", "1.25,2.75", "head|4", "4|embed",
                          "embed+embed+2|2", "2+3|3", "nan,4", "inf,4", "1e9,4", "2|", "|2"}) {
    EXPECT_THROW(parse_partition(bad), UsageError) << bad;
  }
}

TEST(Layout, PartitionTextRoundTrips) {
  for (const char* text : {"embed+2|2+head", "embed+1.5|2.5+head", "embed|4|head", "embed+0.5|3|0.5+head",
                           "embed+4+head"}) {
    EXPECT_EQ(partition_text(parse_partition(text)), text);
  }
  EXPECT_EQ(partition_from_blocks({2, 2}), parse_partition("2,2"));
}

// A record written before partitions could cut blocks says "partition" in
// blocks; it reads as the same partition in units.
TEST(Layout, ReadsOldBlockPartitions) {
  const Layout old_form = Layout::from_json(nlohmann::json::parse(
      R"({"dp":1,"pp":2,"tp":1,"micro_batch":2,"schedule":"1f1b","partition":[3,1]})"));
  EXPECT_EQ(old_form.partition, parse_partition("3,1"));
  Layout layout;
  layout.grid.pp = 2;
  layout.partition = parse_partition("embed+1.5|2.5+head");
  EXPECT_EQ(Layout::from_json(nlohmann::json::parse(layout.to_json())).partition, layout.partition);
}

// fill_waits: false where a record does not say (records before it ran the
// lists in order).
TEST(Layout, FillWaitsRoundTripsAndDefaultsOff) {
  EXPECT_FALSE(Layout::from_json(nlohmann::json::parse(R"({"dp":1,"pp":2,"tp":1,"micro_batch":2})")).fill_waits);
  Layout layout;
  layout.fill_waits = true;
  EXPECT_TRUE(Layout::from_json(nlohmann::json::parse(layout.to_json())).fill_waits);
  EXPECT_THROW(Layout::from_json(nlohmann::json::parse(R"({"dp":1,"pp":1,"tp":1,"micro_batch":0,"fill_waits":1})")),
               JsonFieldError);
}

}  // namespace paratrain
