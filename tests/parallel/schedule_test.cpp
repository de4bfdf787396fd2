#include "parallel/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "schedule_report.h"

namespace paratrain {
namespace {

constexpr ScheduleKind kAllKinds[] = {ScheduleKind::kGPipe, ScheduleKind::kOneFOneB,
                                      ScheduleKind::kInterleaved};

// The legality rule written independently of check_pipeline_shape.
bool is_legal(ScheduleKind kind, const PipelineShape& shape) {
  if (kind == ScheduleKind::kInterleaved) {
    return shape.virtual_stages >= 2 && shape.micro_batches % shape.stages == 0;
  }
  return shape.virtual_stages == 1;
}

// Every legal shape with p in 1..6, m in 1..12, v in 1..3.
std::vector<PipelineShape> legal_shapes(ScheduleKind kind) {
  std::vector<PipelineShape> shapes;
  for (int stages = 1; stages <= 6; ++stages) {
    for (int micro_batches = 1; micro_batches <= 12; ++micro_batches) {
      for (int virtual_stages = 1; virtual_stages <= 3; ++virtual_stages) {
        const PipelineShape shape{stages, micro_batches, virtual_stages};
        if (is_legal(kind, shape)) shapes.push_back(shape);
      }
    }
  }
  return shapes;
}

std::string describe(ScheduleKind kind, const PipelineShape& shape) {
  return std::string(schedule_kind_name(kind)) + " p=" + std::to_string(shape.stages) +
         " m=" + std::to_string(shape.micro_batches) + " v=" + std::to_string(shape.virtual_stages);
}

// Test-side reader of the text form ("1F0 0B3"), so hand-made lists don't
// depend on the code under test.
RankSchedule parse_actions(const std::string& text) {
  RankSchedule schedule;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    const size_t letter = word.find_first_of("FB");
    const ActionKind kind = word[letter] == 'F' ? ActionKind::kForward : ActionKind::kBackward;
    schedule.push_back(
        {kind, std::stoi(word.substr(0, letter)), std::stoi(word.substr(letter + 1))});
  }
  return schedule;
}

using testing::grid_row;
using testing::last_line;

template <typename Call>
std::string usage_error_of(Call call) {
  try {
    call();
  } catch (const UsageError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  return "(no UsageError)";
}

}  // namespace

// ---------------------------------------------------------------------------
// Names and text

TEST(ScheduleKind, ParsesAndNamesEachKind) {
  EXPECT_EQ(parse_schedule_kind("gpipe"), ScheduleKind::kGPipe);
  EXPECT_EQ(parse_schedule_kind("1f1b"), ScheduleKind::kOneFOneB);
  EXPECT_EQ(parse_schedule_kind("interleaved"), ScheduleKind::kInterleaved);
  EXPECT_STREQ(schedule_kind_name(ScheduleKind::kGPipe), "gpipe");
  EXPECT_STREQ(schedule_kind_name(ScheduleKind::kOneFOneB), "1f1b");
  EXPECT_STREQ(schedule_kind_name(ScheduleKind::kInterleaved), "interleaved");
}

TEST(ScheduleKind, RefusesUnknownNameWithFlag) {
  EXPECT_EQ(usage_error_of([] { parse_schedule_kind("x"); }),
            "--schedule must be gpipe, 1f1b, interleaved, zb-h1 or zb-h2 (got 'x')");
  EXPECT_NE(usage_error_of([] { parse_schedule_kind("GPipe"); }), "(no UsageError)");
}

TEST(ActionText, UsesPyTorchNotation) {
  EXPECT_EQ(action_text({ActionKind::kForward, 1, 0}), "1F0");
  EXPECT_EQ(action_text({ActionKind::kBackward, 0, 3}), "0B3");
  EXPECT_EQ(action_text({ActionKind::kBackward, 12, 10}), "12B10");
  EXPECT_EQ(schedule_text({{ActionKind::kForward, 1, 0}, {ActionKind::kBackward, 0, 3}}),
            "1F0 0B3");
  EXPECT_EQ(schedule_text({}), "");
}

TEST(ActionText, EqualityComparesAllFields) {
  const Action action{ActionKind::kForward, 2, 1};
  EXPECT_TRUE(action == (Action{ActionKind::kForward, 2, 1}));
  EXPECT_FALSE(action == (Action{ActionKind::kBackward, 2, 1}));
  EXPECT_FALSE(action == (Action{ActionKind::kForward, 3, 1}));
  EXPECT_FALSE(action == (Action{ActionKind::kForward, 2, 0}));
}

// ---------------------------------------------------------------------------
// Placement

TEST(ModelStage, MegatronPlacement) {
  const PipelineShape shape{4, 8, 3};
  EXPECT_EQ(shape.model_stages(), 12);
  EXPECT_EQ(model_stage(shape, 1, 2), 9);
  EXPECT_EQ(model_stage(shape, 3, 0), 3);
  EXPECT_EQ(model_stage(shape, 0, 1), 4);
  EXPECT_EQ(rank_of_model_stage(shape, 9), 1);
  EXPECT_EQ(chunk_of_model_stage(shape, 9), 2);
  EXPECT_EQ(rank_of_model_stage(shape, 4), 0);
  EXPECT_EQ(chunk_of_model_stage(shape, 4), 1);
}

TEST(ModelStage, EachModelStageOnExactlyOneRankChunk) {
  for (int stages = 1; stages <= 6; ++stages) {
    for (int virtual_stages = 1; virtual_stages <= 3; ++virtual_stages) {
      const PipelineShape shape{stages, 1, virtual_stages};
      std::vector<int> hits(shape.model_stages(), 0);
      for (int rank = 0; rank < stages; ++rank) {
        for (int chunk = 0; chunk < virtual_stages; ++chunk) {
          const int stage = model_stage(shape, rank, chunk);
          ASSERT_GE(stage, 0);
          ASSERT_LT(stage, shape.model_stages());
          ++hits[stage];
          EXPECT_EQ(rank_of_model_stage(shape, stage), rank);
          EXPECT_EQ(chunk_of_model_stage(shape, stage), chunk);
        }
      }
      EXPECT_EQ(std::count(hits.begin(), hits.end(), 1), shape.model_stages());
    }
  }
}

// ---------------------------------------------------------------------------
// Shape rules

TEST(CheckPipelineShape, RefusesEachBadCombinationNamingTheFlag) {
  auto refusal = [](ScheduleKind kind, PipelineShape shape) {
    return usage_error_of([&] { check_pipeline_shape(kind, shape); });
  };
  EXPECT_NE(refusal(ScheduleKind::kOneFOneB, {0, 4, 1}).find("--pp"), std::string::npos);
  EXPECT_NE(refusal(ScheduleKind::kGPipe, {2, 0, 1}).find("micro-batches"), std::string::npos);
  EXPECT_NE(refusal(ScheduleKind::kInterleaved, {2, 4, 0}).find("--virtual-stages"),
            std::string::npos);
  const std::string too_few_chunks = refusal(ScheduleKind::kInterleaved, {2, 4, 1});
  EXPECT_NE(too_few_chunks.find("--virtual-stages >= 2"), std::string::npos) << too_few_chunks;
  const std::string not_multiple = refusal(ScheduleKind::kInterleaved, {4, 6, 2});
  EXPECT_NE(not_multiple.find("interleaved needs the number of micro-batches (m) to be a multiple "
                              "of --pp (p)"),
            std::string::npos)
      << not_multiple;
  EXPECT_NE(not_multiple.find("m = 6, p = 4"), std::string::npos) << not_multiple;
  for (ScheduleKind kind : {ScheduleKind::kGPipe, ScheduleKind::kOneFOneB}) {
    const std::string chunks_without_interleaving = refusal(kind, {2, 4, 2});
    EXPECT_NE(chunks_without_interleaving.find("--virtual-stages needs --schedule interleaved"),
              std::string::npos)
        << chunks_without_interleaving;
  }
}

TEST(CheckPipelineShape, AcceptsExactlyTheLegalShapes) {
  for (ScheduleKind kind : kAllKinds) {
    for (int stages = 1; stages <= 6; ++stages) {
      for (int micro_batches = 1; micro_batches <= 12; ++micro_batches) {
        for (int virtual_stages = 1; virtual_stages <= 3; ++virtual_stages) {
          const PipelineShape shape{stages, micro_batches, virtual_stages};
          bool refused = false;
          try {
            check_pipeline_shape(kind, shape);
          } catch (const UsageError&) {
            refused = true;
          }
          EXPECT_EQ(refused, !is_legal(kind, shape)) << describe(kind, shape);
        }
      }
    }
  }
}

TEST(GenerateSchedule, ChecksTheShapeFirst) {
  EXPECT_THROW(generate_schedule(ScheduleKind::kOneFOneB, {2, 4, 2}), UsageError);
  EXPECT_THROW(generate_schedule(ScheduleKind::kInterleaved, {4, 6, 2}), UsageError);
  EXPECT_THROW(generate_schedule(ScheduleKind::kGPipe, {0, 4, 1}), UsageError);
}

// ---------------------------------------------------------------------------
// Warm-up arithmetic

TEST(Warmup, OneFOneBTable) {
  // (p, r, m) -> min(p - r - 1, m)
  const std::vector<std::tuple<int, int, int, int>> table = {
      {1, 0, 5, 0}, {2, 0, 1, 1}, {2, 0, 4, 1}, {2, 1, 4, 0},  {4, 0, 8, 3}, {4, 1, 8, 2},
      {4, 3, 8, 0}, {4, 0, 2, 2}, {4, 1, 1, 1}, {6, 2, 10, 3}, {6, 0, 3, 3}, {6, 5, 12, 0}};
  for (const auto& [stages, rank, micro_batches, expected] : table) {
    EXPECT_EQ(one_f_one_b_warmup(stages, rank, micro_batches), expected)
        << "p=" << stages << " r=" << rank << " m=" << micro_batches;
  }
}

TEST(Warmup, InterleavedTable) {
  // (p, r, m, v) -> min((p - r - 1) * 2 + (v - 1) * p, m * v)
  const std::vector<std::tuple<int, int, int, int, int>> table = {
      {4, 0, 8, 2, 10}, {4, 1, 8, 2, 8},  {4, 3, 8, 2, 4},  {4, 0, 4, 2, 8}, {2, 0, 2, 3, 6},
      {2, 1, 2, 3, 4},  {2, 0, 4, 2, 4},  {2, 1, 4, 2, 2},  {1, 0, 3, 2, 1}, {3, 0, 6, 3, 10},
      {3, 2, 6, 3, 6},  {6, 0, 6, 2, 12}, {6, 0, 12, 2, 16}};
  for (const auto& [stages, rank, micro_batches, virtual_stages, expected] : table) {
    EXPECT_EQ(interleaved_warmup({stages, micro_batches, virtual_stages}, rank), expected)
        << "p=" << stages << " r=" << rank << " m=" << micro_batches << " v=" << virtual_stages;
  }
}

// ---------------------------------------------------------------------------
// Exact lists of small cases, written by hand

TEST(GenerateSchedule, GPipeSmallCase) {
  const auto schedules = generate_schedule(ScheduleKind::kGPipe, {2, 3, 1});
  ASSERT_EQ(schedules.size(), 2u);
  for (const RankSchedule& schedule : schedules) {
    EXPECT_EQ(schedule_text(schedule), "0F0 1F0 2F0 0B0 1B0 2B0");
  }
}

TEST(GenerateSchedule, OneFOneBSmallCase) {
  const auto schedules = generate_schedule(ScheduleKind::kOneFOneB, {3, 4, 1});
  ASSERT_EQ(schedules.size(), 3u);
  EXPECT_EQ(schedule_text(schedules[0]), "0F0 1F0 2F0 0B0 3F0 1B0 2B0 3B0");
  EXPECT_EQ(schedule_text(schedules[1]), "0F0 1F0 0B0 2F0 1B0 3F0 2B0 3B0");
  EXPECT_EQ(schedule_text(schedules[2]), "0F0 0B0 1F0 1B0 2F0 2B0 3F0 3B0");
}

TEST(GenerateSchedule, InterleavedSmallCase) {
  // p = 2, m = 4, v = 2: warm-ups 4 and 2; chunks go 0 then 1 in groups of p
  // micro-batches on the way forward, 1 then 0 on the way back.
  const auto schedules = generate_schedule(ScheduleKind::kInterleaved, {2, 4, 2});
  ASSERT_EQ(schedules.size(), 2u);
  EXPECT_EQ(schedule_text(schedules[0]),
            "0F0 1F0 0F1 1F1 2F0 0B1 3F0 1B1 2F1 0B0 3F1 1B0 2B1 3B1 2B0 3B0");
  EXPECT_EQ(schedule_text(schedules[1]),
            "0F0 1F0 0F1 0B1 1F1 1B1 2F0 0B0 3F0 1B0 2F1 2B1 3F1 3B1 2B0 3B0");
}

// ---------------------------------------------------------------------------
// Properties over many shapes

TEST(GenerateSchedule, EveryMicroBatchChunkForwardedAndBackwardedOnceOnItsRank) {
  for (ScheduleKind kind : kAllKinds) {
    for (const PipelineShape& shape : legal_shapes(kind)) {
      SCOPED_TRACE(describe(kind, shape));
      const auto schedules = generate_schedule(kind, shape);
      ASSERT_EQ(static_cast<int>(schedules.size()), shape.stages);
      // (kind, micro-batch, model stage) -> times run, over all ranks
      std::map<std::tuple<ActionKind, int, int>, int> runs;
      for (int rank = 0; rank < shape.stages; ++rank) {
        EXPECT_EQ(static_cast<int>(schedules[rank].size()),
                  2 * shape.micro_batches * shape.virtual_stages);
        for (const Action& action : schedules[rank]) {
          ASSERT_GE(action.chunk, 0);
          ASSERT_LT(action.chunk, shape.virtual_stages);
          ++runs[{action.kind, action.micro_batch, model_stage(shape, rank, action.chunk)}];
        }
      }
      EXPECT_EQ(static_cast<int>(runs.size()), 2 * shape.micro_batches * shape.model_stages());
      for (ActionKind action_kind : {ActionKind::kForward, ActionKind::kBackward}) {
        for (int micro_batch = 0; micro_batch < shape.micro_batches; ++micro_batch) {
          for (int stage = 0; stage < shape.model_stages(); ++stage) {
            EXPECT_EQ((runs[{action_kind, micro_batch, stage}]), 1);
          }
        }
      }
    }
  }
}

TEST(GenerateSchedule, EveryGeneratedScheduleValidates) {
  for (ScheduleKind kind : kAllKinds) {
    for (const PipelineShape& shape : legal_shapes(kind)) {
      EXPECT_EQ(validate_schedule(generate_schedule(kind, shape), shape), "")
          << describe(kind, shape);
    }
  }
}

// ---------------------------------------------------------------------------
// Validation of hand-broken lists

TEST(ValidateSchedule, MarksBackwardBeforeItsForward) {
  const PipelineShape shape{2, 2, 1};
  auto schedules = generate_schedule(ScheduleKind::kOneFOneB, shape);
  ASSERT_EQ(schedule_text(schedules[1]), "0F0 0B0 1F0 1B0");
  std::swap(schedules[1][0], schedules[1][1]);
  const std::string report = validate_schedule(schedules, shape);
  EXPECT_NE(grid_row(report, 1).find("[0B0]"), std::string::npos) << report;
  EXPECT_EQ(grid_row(report, 0).find('['), std::string::npos) << report;
  EXPECT_EQ(last_line(report), "rank 1 position 0: 0B0 comes before its forward 0F0") << report;
}

TEST(ValidateSchedule, MarksAMissingAction) {
  const PipelineShape shape{2, 2, 1};
  auto schedules = generate_schedule(ScheduleKind::kGPipe, shape);
  ASSERT_EQ(schedules[0].back(), (Action{ActionKind::kBackward, 1, 0}));
  schedules[0].pop_back();
  const std::string report = validate_schedule(schedules, shape);
  EXPECT_NE(grid_row(report, 0).find("[1B0 missing]"), std::string::npos) << report;
  EXPECT_EQ(grid_row(report, 1).find('['), std::string::npos) << report;
  EXPECT_EQ(last_line(report), "rank 0 never runs 1B0") << report;
}

TEST(ValidateSchedule, MarksADuplicateAndAnOutOfRangeAction) {
  const PipelineShape shape{2, 2, 1};
  auto duplicated = generate_schedule(ScheduleKind::kGPipe, shape);
  duplicated[1][1] = duplicated[1][0];  // 0F0 twice, 1F0 gone
  const std::string duplicate_report = validate_schedule(duplicated, shape);
  EXPECT_NE(grid_row(duplicate_report, 1).find("[0F0]"), std::string::npos) << duplicate_report;
  EXPECT_EQ(last_line(duplicate_report), "rank 1 position 1: 0F0 appears a second time");

  auto out_of_range = generate_schedule(ScheduleKind::kGPipe, shape);
  out_of_range[0][2].chunk = 1;  // v = 1: there is no chunk 1
  const std::string range_report = validate_schedule(out_of_range, shape);
  EXPECT_NE(grid_row(range_report, 0).find("[0B1]"), std::string::npos) << range_report;
  EXPECT_NE(last_line(range_report).find("outside"), std::string::npos) << range_report;
}

TEST(ValidateSchedule, RefusesWrongNumberOfLists) {
  const PipelineShape shape{3, 2, 1};
  auto schedules = generate_schedule(ScheduleKind::kGPipe, shape);
  schedules.pop_back();
  EXPECT_NE(validate_schedule(schedules, shape).find("expected 3 lists"), std::string::npos);
}

// Each list is fine on its own (every backward after its forward), but
// rank 0 waits for 0B0's gradient from rank 1 while rank 1 waits for the
// activation of 1F0 that rank 0 only sends after that backward.
std::vector<RankSchedule> cross_rank_deadlock() {
  return {parse_actions("0F0 0B0 1F0 1B0"), parse_actions("0F0 1F0 0B0 1B0")};
}

TEST(ValidateSchedule, MarksACrossRankDeadlock) {
  const PipelineShape shape{2, 2, 1};
  const std::string report = validate_schedule(cross_rank_deadlock(), shape);
  EXPECT_NE(grid_row(report, 0).find(" 0F0  [0B0]"), std::string::npos) << report;
  EXPECT_NE(grid_row(report, 1).find(" 0F0  [1F0]"), std::string::npos) << report;
  const std::string line = last_line(report);
  EXPECT_EQ(line.rfind("deadlock", 0), 0u) << report;
  EXPECT_NE(line.find("rank 0 position 1: 0B0 waits for 0B0 on rank 1"), std::string::npos);
  EXPECT_NE(line.find("rank 1 position 1: 1F0 waits for 1F0 on rank 0"), std::string::npos);
}

TEST(ValidateSchedule, InterleavedWrapAroundNeedsTheLastRank) {
  // p = 2, v = 2, m = 2: rank 0's chunk 1 (model stage 2) needs rank 1's
  // chunk 0 (stage 1). Rank 0 runs 0F1 before rank 1 could have sent it, and
  // rank 1 first waits for rank 0's 1F0, which comes after that 0F1.
  const PipelineShape shape{2, 2, 2};
  const std::vector<RankSchedule> schedules = {parse_actions("0F0 0F1 1F0 1F1 0B1 1B1 0B0 1B0"),
                                               parse_actions("1F0 0F0 0F1 1F1 0B1 1B1 0B0 1B0")};
  const std::string report = validate_schedule(schedules, shape);
  EXPECT_NE(grid_row(report, 0).find("[0F1]"), std::string::npos) << report;
  EXPECT_NE(grid_row(report, 1).find("[1F0]"), std::string::npos) << report;
  EXPECT_NE(last_line(report).find("0F1 waits for 0F0 on rank 1"), std::string::npos) << report;
}

// ---------------------------------------------------------------------------
// Peak in-flight activations

TEST(PeakInFlight, CountsPerChunkAndTotalOnHandLists) {
  const RankSchedule one_f_one_b = parse_actions("0F0 1F0 0B0 2F0 1B0 2B0");
  EXPECT_EQ(peak_in_flight(one_f_one_b, 0), 2);
  EXPECT_EQ(peak_in_flight_total(one_f_one_b), 2);
  EXPECT_EQ(peak_in_flight(one_f_one_b, 1), 0);
  EXPECT_EQ(peak_in_flight_total(parse_actions("0F0 1F0 2F0")), 3);  // no backward yet
  const RankSchedule rank0 =
      parse_actions("0F0 1F0 0F1 1F1 2F0 0B1 3F0 1B1 2F1 0B0 3F1 1B0 2B1 3B1 2B0 3B0");
  EXPECT_EQ(peak_in_flight(rank0, 0), 4);
  EXPECT_EQ(peak_in_flight(rank0, 1), 2);
  EXPECT_EQ(peak_in_flight_total(rank0), 5);
  const RankSchedule rank1 =
      parse_actions("0F0 1F0 0F1 0B1 1F1 1B1 2F0 0B0 3F0 1B0 2F1 2B1 3F1 3B1 2B0 3B0");
  EXPECT_EQ(peak_in_flight(rank1, 0), 3);
  EXPECT_EQ(peak_in_flight(rank1, 1), 1);
  EXPECT_EQ(peak_in_flight_total(rank1), 3);
}

TEST(PeakInFlight, GPipeHoldsEveryMicroBatch) {
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kGPipe)) {
    const auto schedules = generate_schedule(ScheduleKind::kGPipe, shape);
    for (int rank = 0; rank < shape.stages; ++rank) {
      EXPECT_EQ(peak_in_flight_total(schedules[rank]), shape.micro_batches)
          << describe(ScheduleKind::kGPipe, shape) << " rank " << rank;
    }
  }
}

TEST(PeakInFlight, OneFOneBHoldsAtMostPMinusR) {
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kOneFOneB)) {
    const auto schedules = generate_schedule(ScheduleKind::kOneFOneB, shape);
    for (int rank = 0; rank < shape.stages; ++rank) {
      const int peak = peak_in_flight_total(schedules[rank]);
      EXPECT_EQ(peak, std::min(shape.stages - rank, shape.micro_batches))
          << describe(ScheduleKind::kOneFOneB, shape) << " rank " << rank;
      EXPECT_LE(peak, shape.stages);
    }
  }
}

TEST(PeakInFlight, GPipeHoldsMoreThanOneFOneBWhenMExceedsP) {
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kGPipe)) {
    if (shape.micro_batches <= shape.stages) continue;
    const auto gpipe = generate_schedule(ScheduleKind::kGPipe, shape);
    const auto one_f_one_b = generate_schedule(ScheduleKind::kOneFOneB, shape);
    for (int rank = 0; rank < shape.stages; ++rank) {
      EXPECT_GT(peak_in_flight_total(gpipe[rank]), peak_in_flight_total(one_f_one_b[rank]))
          << describe(ScheduleKind::kGPipe, shape) << " rank " << rank;
    }
  }
}

TEST(PeakInFlight, InterleavedHoldsWhatMegatronPromises) {
  // Megatron: the warm-up forwards plus the one forward before the first
  // backward, never more than all m * v.
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kInterleaved)) {
    const auto schedules = generate_schedule(ScheduleKind::kInterleaved, shape);
    const int all = shape.micro_batches * shape.virtual_stages;
    for (int rank = 0; rank < shape.stages; ++rank) {
      const int promised = std::min(interleaved_warmup(shape, rank) + 1, all);
      EXPECT_EQ(peak_in_flight_total(schedules[rank]), promised)
          << describe(ScheduleKind::kInterleaved, shape) << " rank " << rank;
      for (int chunk = 0; chunk < shape.virtual_stages; ++chunk) {
        EXPECT_LE(peak_in_flight(schedules[rank], chunk), shape.micro_batches);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Simulator

TEST(SimulateSchedule, GPipeBubbleIsPMinusOneOverMPlusPMinusOne) {
  // makespan = (m + p - 1)(f + b), busy = m (f + b) on every rank.
  const double forward = 1.0;
  const double backward = 2.0;
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kGPipe)) {
    SCOPED_TRACE(describe(ScheduleKind::kGPipe, shape));
    const int p = shape.stages;
    const int m = shape.micro_batches;
    const SimulatedRun run = simulate_schedule(generate_schedule(ScheduleKind::kGPipe, shape),
                                               shape, forward, backward, 0.0);
    EXPECT_NEAR(run.makespan, (m + p - 1) * (forward + backward), 1e-9);
    ASSERT_EQ(static_cast<int>(run.bubble_fraction.size()), p);
    ASSERT_EQ(static_cast<int>(run.busy.size()), p);
    for (int rank = 0; rank < p; ++rank) {
      EXPECT_NEAR(run.busy[rank], m * (forward + backward), 1e-9);
      EXPECT_NEAR(run.bubble_fraction[rank], double(p - 1) / (m + p - 1), 1e-9);
    }
  }
}

TEST(SimulateSchedule, OneFOneBHasGPipesBubble) {
  // 1F1B saves memory, not time: with uniform stages its bubble equals GPipe's.
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kOneFOneB)) {
    SCOPED_TRACE(describe(ScheduleKind::kOneFOneB, shape));
    const int p = shape.stages;
    const int m = shape.micro_batches;
    const SimulatedRun run =
        simulate_schedule(generate_schedule(ScheduleKind::kOneFOneB, shape), shape, 1.0, 2.0, 0.0);
    for (int rank = 0; rank < p; ++rank) {
      EXPECT_NEAR(run.bubble_fraction[rank], double(p - 1) / (m + p - 1), 1e-9);
    }
  }
}

TEST(SimulateSchedule, GPipePaysCommunicationTwicePerHop) {
  // The first micro-batch crosses p - 1 links forward and p - 1 back.
  const double comm = 0.25;
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kGPipe)) {
    const int p = shape.stages;
    const int m = shape.micro_batches;
    const SimulatedRun run =
        simulate_schedule(generate_schedule(ScheduleKind::kGPipe, shape), shape, 1.0, 2.0, comm);
    EXPECT_NEAR(run.makespan, (m + p - 1) * 3.0 + 2 * (p - 1) * comm, 1e-9)
        << describe(ScheduleKind::kGPipe, shape);
  }
}

TEST(SimulateSchedule, PerActionCostsMatchUniformCostsAndSeeASlowStage) {
  // The per-action form with equal costs everywhere is the uniform form; a
  // last stage twice as slow makes GPipe's makespan (m - 1) slow steps plus
  // one pass through all stages, and leaves rank 0 idle for the difference.
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kGPipe)) {
    SCOPED_TRACE(describe(ScheduleKind::kGPipe, shape));
    const auto schedules = generate_schedule(ScheduleKind::kGPipe, shape);
    const ActionCost uniform = [](int, const Action& action) {
      if (is_receive(action.kind)) return 0.25;
      return action.kind == ActionKind::kForward ? 1.0 : 2.0;
    };
    const SimulatedRun expected = simulate_schedule(schedules, shape, 1.0, 2.0, 0.25);
    const SimulatedRun actual = simulate_schedule(schedules, shape, uniform);
    EXPECT_NEAR(actual.makespan, expected.makespan, 1e-9);
    for (int rank = 0; rank < shape.stages; ++rank) {
      EXPECT_NEAR(actual.busy[rank], expected.busy[rank], 1e-9);
    }
    const int p = shape.stages;
    const int m = shape.micro_batches;
    if (p < 2) continue;
    const ActionCost slow_last = [p](int rank, const Action& action) {
      if (is_receive(action.kind)) return 0.0;
      const double scale = rank == p - 1 ? 2.0 : 1.0;
      return scale * (action.kind == ActionKind::kForward ? 1.0 : 2.0);
    };
    const SimulatedRun slow = simulate_schedule(schedules, shape, slow_last);
    EXPECT_NEAR(slow.makespan, (p - 1) * 3.0 + m * 6.0, 1e-9);
    EXPECT_NEAR(slow.busy[0], m * 3.0, 1e-9);
    EXPECT_GT(slow.bubble_fraction[0], slow.bubble_fraction[p - 1]);
  }
}

TEST(SimulateSchedule, NoCommunicationBetweenChunksOfOneRank) {
  // p = 1, v = 2: both chunks live on rank 0, so nothing crosses a link.
  const PipelineShape shape{1, 2, 2};
  const SimulatedRun run =
      simulate_schedule(generate_schedule(ScheduleKind::kInterleaved, shape), shape, 1.0, 2.0, 5.0);
  EXPECT_NEAR(run.makespan, 2 * 2 * 3.0, 1e-9);
  EXPECT_NEAR(run.bubble_fraction[0], 0.0, 1e-9);
}

TEST(SimulateSchedule, InterleavedBubbleSmallerThanOneFOneB) {
  // Same model, so a chunk costs 1/v of a 1F1B stage. Megatron's paper
  // promises the bubble shrinks from (p-1)/(m+p-1) to (p-1)/(v m + p - 1).
  for (const PipelineShape& shape : legal_shapes(ScheduleKind::kInterleaved)) {
    if (shape.stages < 2) continue;
    SCOPED_TRACE(describe(ScheduleKind::kInterleaved, shape));
    const PipelineShape plain{shape.stages, shape.micro_batches, 1};
    const double v = shape.virtual_stages;
    const SimulatedRun one_f_one_b =
        simulate_schedule(generate_schedule(ScheduleKind::kOneFOneB, plain), plain, 1.0, 2.0, 0.0);
    const SimulatedRun interleaved = simulate_schedule(
        generate_schedule(ScheduleKind::kInterleaved, shape), shape, 1.0 / v, 2.0 / v, 0.0);
    for (int rank = 0; rank < shape.stages; ++rank) {
      EXPECT_NEAR(interleaved.busy[rank], one_f_one_b.busy[rank], 1e-9);
      EXPECT_LT(interleaved.bubble_fraction[rank], one_f_one_b.bubble_fraction[rank] - 1e-9)
          << "rank " << rank;
      EXPECT_NEAR(interleaved.bubble_fraction[rank],
                  (shape.stages - 1) / (v * shape.micro_batches + shape.stages - 1), 1e-9)
          << "rank " << rank;
    }
  }
}

TEST(SimulateSchedule, ThrowsOnDeadlockWithTheGrid) {
  const PipelineShape shape{2, 2, 1};
  try {
    simulate_schedule(cross_rank_deadlock(), shape, 1.0, 2.0, 0.0);
    FAIL() << "no exception";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("deadlock"), std::string::npos) << message;
    EXPECT_NE(message.find("[0B0]"), std::string::npos) << message;
    EXPECT_NE(message.find("[1F0]"), std::string::npos) << message;
  }
}

TEST(SimulateSchedule, ThrowsOnMalformedList) {
  const PipelineShape shape{2, 2, 1};
  auto schedules = generate_schedule(ScheduleKind::kGPipe, shape);
  schedules[1].pop_back();
  EXPECT_THROW(simulate_schedule(schedules, shape, 1.0, 2.0, 0.0), std::runtime_error);
}

}  // namespace paratrain
