// Lowering (explicit sends and receives), the validator on lowered lists,
// the text form and schedule files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "schedule_report.h"
#include "core/error.h"
#include "parallel/layout.h"
#include "parallel/schedule.h"

namespace paratrain {
namespace {

constexpr ScheduleKind kAllKinds[] = {ScheduleKind::kGPipe, ScheduleKind::kOneFOneB,
                                      ScheduleKind::kInterleaved};

// Every legal shape with p in 1..6, m in 1..12, v in 1..3 (rule written independently).
std::vector<PipelineShape> legal_shapes(ScheduleKind kind) {
  std::vector<PipelineShape> shapes;
  for (int stages = 1; stages <= 6; ++stages) {
    for (int micro_batches = 1; micro_batches <= 12; ++micro_batches) {
      for (int virtual_stages = 1; virtual_stages <= 3; ++virtual_stages) {
        const bool legal = kind == ScheduleKind::kInterleaved
                               ? virtual_stages >= 2 && micro_batches % stages == 0
                               : virtual_stages == 1;
        if (legal) shapes.push_back({stages, micro_batches, virtual_stages});
      }
    }
  }
  return shapes;
}

std::string describe(ScheduleKind kind, const PipelineShape& shape) {
  return std::string(schedule_kind_name(kind)) + " p=" + std::to_string(shape.stages) +
         " m=" + std::to_string(shape.micro_batches) + " v=" + std::to_string(shape.virtual_stages);
}

RankSchedule parse_list(const std::string& text) {
  RankSchedule schedule;
  std::istringstream in(text);
  std::string token;
  while (in >> token) {
    const auto action = parse_action(token);
    EXPECT_TRUE(action.has_value()) << token;
    if (action) schedule.push_back(*action);
  }
  return schedule;
}

using testing::grid_row;
using testing::last_line;

// Lowered 1F1B with p = 2, m = 2, written by hand.
const char* const kLoweredRank0 =
    "0F0 0SEND_F0@r1c0 1F0 1SEND_F0@r1c0 0RECV_B0@r1c0 0B0 1RECV_B0@r1c0 1B0";
const char* const kLoweredRank1 =
    "0RECV_F0@r0c0 0F0 0B0 0SEND_B0@r0c0 1RECV_F0@r0c0 1F0 1B0 1SEND_B0@r0c0";

std::vector<RankSchedule> hand_lowered() {
  return {parse_list(kLoweredRank0), parse_list(kLoweredRank1)};
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = std::string(::testing::TempDir()) + "paratrain_" + name;
  std::ofstream(path) << text;
  return path;
}

std::string load_error(const std::string& path, const PipelineShape& shape) {
  try {
    load_schedule_file(path, shape);
  } catch (const UsageError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  return "(no UsageError)";
}

}  // namespace

// ---------------------------------------------------------------------------
// Text form

TEST(ActionText, TransfersNameTheirPeer) {
  EXPECT_EQ(action_text({ActionKind::kSendF, 1, 3, 2, 0}), "1SEND_F3@r2c0");
  EXPECT_EQ(action_text({ActionKind::kRecvF, 1, 3, 0, 2}), "1RECV_F3@r0c2");
  EXPECT_EQ(action_text({ActionKind::kSendB, 0, 3, 0, 2}), "0SEND_B3@r0c2");
  EXPECT_EQ(action_text({ActionKind::kRecvB, 10, 0, 1, 11}), "10RECV_B0@r1c11");
}

TEST(ActionText, ParsesWhatItPrints) {
  for (ScheduleKind kind : kAllKinds) {
    for (const PipelineShape& shape : legal_shapes(kind)) {
      const auto lowered = lower_schedule(generate_schedule(kind, shape), shape);
      for (const RankSchedule& schedule : lowered) {
        for (const Action& action : schedule) {
          const auto parsed = parse_action(action_text(action));
          ASSERT_TRUE(parsed.has_value()) << action_text(action);
          EXPECT_EQ(*parsed, action) << action_text(action);
        }
      }
      EXPECT_EQ(parse_schedules_text(schedules_text(lowered), "test"), lowered)
          << describe(kind, shape);
    }
  }
}

TEST(ActionText, RefusesWhatIsNotAnAction) {
  for (const char* token :
       {"", "F0", "1F", "1X0", "1f0", "-1F0", "1F0x", "1F0@r1c0", "1SEND_F0", "1SEND_F0@r1",
        "1SEND_F0@1c0", "1SEND_F0@r1c", "1RECV_B0@r1c0c", "1SEND_X0@r1c0", "99999999F0"}) {
    EXPECT_FALSE(parse_action(token).has_value()) << token;
  }
}

TEST(ScheduleFileText, SkipsCommentsAndBlankLines) {
  const auto schedules =
      parse_schedules_text("# 1F1B, p = 2, m = 1\n\n0F0 0B0   # rank 0\n  \n0F0\t0B0\n", "x");
  ASSERT_EQ(schedules.size(), 2u);
  EXPECT_EQ(schedule_text(schedules[0]), "0F0 0B0");
  EXPECT_EQ(schedule_text(schedules[1]), "0F0 0B0");
}

TEST(ScheduleFileText, NamesTheBadToken) {
  try {
    parse_schedules_text("0F0 0B0\n0F0 0X0 0B0\n", "FILE");
    FAIL() << "no UsageError";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "FILE: rank 1 position 1: '0X0' is not an action (like 1F0, 0B1, 1SEND_F0@r1c0, "
              "1RECV_F0@r0c0)");
  }
}

// ---------------------------------------------------------------------------
// Lowering

TEST(Lowering, OneFOneBSmallCaseByHand) {
  const PipelineShape shape{2, 2, 1};
  const auto lowered = lower_schedule(generate_schedule(ScheduleKind::kOneFOneB, shape), shape);
  ASSERT_EQ(lowered.size(), 2u);
  EXPECT_EQ(schedule_text(lowered[0]), kLoweredRank0);
  EXPECT_EQ(schedule_text(lowered[1]), kLoweredRank1);
}

TEST(Lowering, InterleavedWrapsFromTheLastRankToTheFirst) {
  // p = 2, v = 2: rank 1's chunk 0 is model stage 1, which feeds stage 2 = rank 0's chunk 1.
  const PipelineShape shape{2, 2, 2};
  const auto lowered = lower_schedule(generate_schedule(ScheduleKind::kInterleaved, shape), shape);
  const std::string rank0 = schedule_text(lowered[0]);
  const std::string rank1 = schedule_text(lowered[1]);
  EXPECT_NE(rank1.find("0F0 0SEND_F0@r0c1"), std::string::npos) << rank1;
  EXPECT_NE(rank0.find("0RECV_F1@r1c0 0F1 0SEND_F1@r1c1"), std::string::npos) << rank0;
  EXPECT_NE(rank0.find("0RECV_B1@r1c1 0B1 0SEND_B1@r1c0"), std::string::npos) << rank0;
  EXPECT_EQ(rank0.find("RECV_F0"), std::string::npos) << "stage 0 receives no activation";
  EXPECT_EQ(rank1.find("SEND_F1"), std::string::npos) << "the last stage sends no activation";
}

TEST(Lowering, PeersAreTheNeighbouringModelStages) {
  // Written from the definition: activations go from stage s to s + 1,
  // gradients from s + 1 to s; receives right before, sends right after.
  for (ScheduleKind kind : kAllKinds) {
    for (const PipelineShape& shape : legal_shapes(kind)) {
      SCOPED_TRACE(describe(kind, shape));
      const auto compute = generate_schedule(kind, shape);
      const auto lowered = lower_schedule(compute, shape);
      int transfers = 0;
      for (int rank = 0; rank < shape.stages; ++rank) {
        RankSchedule kept;
        for (const Action& action : lowered[rank]) {
          if (is_compute(action.kind)) {
            kept.push_back(action);
            continue;
          }
          ++transfers;
          const int own = model_stage(shape, rank, action.chunk);
          const int peer = model_stage(shape, action.peer_rank, action.peer_chunk);
          const bool towards_higher =
              action.kind == ActionKind::kSendF || action.kind == ActionKind::kRecvB;
          EXPECT_EQ(peer, towards_higher ? own + 1 : own - 1) << action_text(action);
        }
        EXPECT_EQ(kept, compute[rank]) << "rank " << rank;
      }
      // Each of the S - 1 links carries m activations and m gradients, each
      // counted once by its sender and once by its receiver.
      EXPECT_EQ(transfers, 4 * shape.micro_batches * (shape.model_stages() - 1));
    }
  }
}

TEST(Lowering, EveryGeneratedScheduleValidatesAndRunsDeadlockFree) {
  for (ScheduleKind kind : kAllKinds) {
    for (const PipelineShape& shape : legal_shapes(kind)) {
      SCOPED_TRACE(describe(kind, shape));
      const auto compute = generate_schedule(kind, shape);
      const auto lowered = lower_schedule(compute, shape);
      EXPECT_EQ(validate_schedule(lowered, shape), "");
      const Replay replay = replay_lowered(lowered, shape, ReplayCosts{1.0, 2.0, 0.5, {}});
      EXPECT_TRUE(replay.stuck.empty());
      // Lowered lists run in exactly the time the compute-only model predicts.
      const SimulatedRun from_lowered = simulate_schedule(lowered, shape, 1.0, 2.0, 0.5);
      const SimulatedRun from_compute = simulate_schedule(compute, shape, 1.0, 2.0, 0.5);
      EXPECT_DOUBLE_EQ(from_lowered.makespan, from_compute.makespan);
      for (int rank = 0; rank < shape.stages; ++rank) {
        EXPECT_EQ(peak_in_flight_total(lowered[rank]), peak_in_flight_total(compute[rank]));
        for (int chunk = 0; chunk < shape.virtual_stages; ++chunk) {
          EXPECT_EQ(peak_in_flight(lowered[rank], chunk), peak_in_flight(compute[rank], chunk));
        }
      }
      EXPECT_EQ(pipeline_schedules(kind, "", shape), lowered);
    }
  }
}

// ---------------------------------------------------------------------------
// Hand-broken lowered lists: each names the bad action and the rule

struct Broken {
  std::vector<RankSchedule> schedules;
  std::string report;
};

Broken break_rank(int rank, const std::string& text) {
  Broken broken{hand_lowered(), ""};
  broken.schedules[rank] = parse_list(text);
  broken.report = validate_schedule(broken.schedules, {2, 2, 1});
  return broken;
}

TEST(ValidateLowered, AcceptsTheHandLoweredList) {
  EXPECT_EQ(validate_schedule(hand_lowered(), {2, 2, 1}), "");
}

TEST(ValidateLowered, MarksAMissingSend) {
  const Broken broken = break_rank(0, "0F0 1F0 1SEND_F0@r1c0 0RECV_B0@r1c0 0B0 1RECV_B0@r1c0 1B0");
  EXPECT_NE(grid_row(broken.report, 0).find("[0SEND_F0@r1c0 missing]"), std::string::npos)
      << broken.report;
  EXPECT_EQ(last_line(broken.report), "rank 0 never runs 0SEND_F0@r1c0") << broken.report;
}

TEST(ValidateLowered, MarksAReceiveFromTheWrongPeer) {
  // p = 3: rank 2's input comes from rank 1, not rank 0.
  const PipelineShape shape{3, 1, 1};
  auto lowered = lower_schedule(generate_schedule(ScheduleKind::kOneFOneB, shape), shape);
  ASSERT_EQ(action_text(lowered[2][0]), "0RECV_F0@r1c0");
  lowered[2][0].peer_rank = 0;
  const std::string report = validate_schedule(lowered, shape);
  EXPECT_NE(grid_row(report, 2).find("[0RECV_F0@r0c0]"), std::string::npos) << report;
  EXPECT_EQ(last_line(report),
            "rank 2 position 0: 0RECV_F0@r0c0 names the wrong peer: model stage 2 receives its "
            "activation from r1c0")
      << report;
}

TEST(ValidateLowered, MarksAReceiveAfterItsUse) {
  const Broken broken =
      break_rank(1, "0F0 0RECV_F0@r0c0 0B0 0SEND_B0@r0c0 1RECV_F0@r0c0 1F0 1B0 1SEND_B0@r0c0");
  EXPECT_NE(grid_row(broken.report, 1).find("[0F0]"), std::string::npos) << broken.report;
  EXPECT_EQ(last_line(broken.report),
            "rank 1 position 0: 0F0 uses an activation it has not received (0RECV_F0@r0c0 must "
            "come before it)");
}

TEST(ValidateLowered, MarksASwapThatDeadlocks) {
  // Rank 0 waits for micro-batch 0's gradient before sending micro-batch 1's
  // activation, which rank 1 needs before it runs 0B0 (GPipe order on rank 1).
  std::vector<RankSchedule> schedules = {
      parse_list("0F0 0SEND_F0@r1c0 1F0 0RECV_B0@r1c0 1SEND_F0@r1c0 0B0 1RECV_B0@r1c0 1B0"),
      parse_list("0RECV_F0@r0c0 0F0 1RECV_F0@r0c0 1F0 0B0 0SEND_B0@r0c0 1B0 1SEND_B0@r0c0")};
  const std::string report = validate_schedule(schedules, {2, 2, 1});
  EXPECT_NE(grid_row(report, 0).find("[0RECV_B0@r1c0]"), std::string::npos) << report;
  EXPECT_NE(grid_row(report, 1).find("[1RECV_F0@r0c0]"), std::string::npos) << report;
  EXPECT_EQ(last_line(report),
            "deadlock: no rank can progress; rank 0 position 3: 0RECV_B0@r1c0 waits for "
            "0SEND_B0@r0c0 on rank 1; rank 1 position 2: 1RECV_F0@r0c0 waits for 1SEND_F0@r1c0 on "
            "rank 0");
  EXPECT_THROW(simulate_schedule(schedules, {2, 2, 1}, 1.0, 2.0, 0.0), std::runtime_error);
}

TEST(ValidateLowered, MarksEachBrokenRule) {
  const std::map<std::string, std::string> rank0_cases = {
      {"0SEND_F0@r1c0 0F0 1F0 1SEND_F0@r1c0 0RECV_B0@r1c0 0B0 1RECV_B0@r1c0 1B0",
       "rank 0 position 0: 0SEND_F0@r1c0 sends an activation before its forward 0F0"},
      {"0F0 0SEND_F0@r1c0 0SEND_F0@r1c0 1F0 1SEND_F0@r1c0 0RECV_B0@r1c0 0B0 1RECV_B0@r1c0 1B0",
       "rank 0 position 2: 0SEND_F0@r1c0 appears a second time"},
      {"0RECV_F0@r1c0 0F0 0SEND_F0@r1c0 1F0 1SEND_F0@r1c0 0RECV_B0@r1c0 0B0 1RECV_B0@r1c0 1B0",
       "rank 0 position 0: 0RECV_F0@r1c0 has no peer: model stage 0 receives no activation"},
      {"0F0 0SEND_F0@r2c0 1F0 1SEND_F0@r1c0 0RECV_B0@r1c0 0B0 1RECV_B0@r1c0 1B0",
       "rank 0 position 1: 0SEND_F0@r2c0 names a peer outside ranks 0..1 and chunks 0..0"},
      {"0F0 0SEND_F0@r1c0 1F0 1SEND_F0@r1c0 0RECV_B0@r1c0 1RECV_B0@r1c0 0B0 1B0",
       "rank 0 position 5: 1RECV_B0@r1c0 overwrites the gradient received for 0B0 before that "
       "backward uses it"},
      {"0F0 0SEND_F0@r1c0 1F0 1SEND_F0@r1c0 0B0 0RECV_B0@r1c0 1RECV_B0@r1c0 1B0",
       "rank 0 position 4: 0B0 uses a gradient it has not received (0RECV_B0@r1c0 must come "
       "before it)"},
      {"0F0 0SEND_F0@r1c0 1F0 1SEND_F0@r1c0 0RECV_B0@r1c0 0B0 1RECV_B0@r1c0 1B0 2F0",
       "rank 0 position 8: 2F0 is outside micro-batches 0..1 and chunks 0..0"}};
  for (const auto& [list, message] : rank0_cases) {
    EXPECT_EQ(last_line(break_rank(0, list).report), message) << list;
  }
  const std::map<std::string, std::string> rank1_cases = {
      {"0RECV_F0@r0c0 0F0 0B0 1RECV_F0@r0c0 1F0 1B0 0SEND_B0@r0c0 1SEND_B0@r0c0",
       "rank 1 position 5: 1B0 overwrites the input gradient of 0B0 before 0SEND_B0@r0c0 sends it"},
      {"0RECV_F0@r0c0 0F0 0SEND_B0@r0c0 0B0 1RECV_F0@r0c0 1F0 1B0 1SEND_B0@r0c0",
       "rank 1 position 2: 0SEND_B0@r0c0 sends a gradient before its backward 0B0"},
      {"0RECV_F0@r0c0 0F0 0B0 0SEND_B0@r0c1 1RECV_F0@r0c0 1F0 1B0 1SEND_B0@r0c0",
       "rank 1 position 3: 0SEND_B0@r0c1 names a peer outside ranks 0..1 and chunks 0..0"}};
  for (const auto& [list, message] : rank1_cases) {
    EXPECT_EQ(last_line(break_rank(1, list).report), message) << list;
  }
}

TEST(ValidateLowered, DeadlockOnComputeOnlyListsIsShownOnTheComputeActions) {
  // The same deadlock as schedule_test's: reported on the lists as given.
  const std::vector<RankSchedule> schedules = {parse_list("0F0 0B0 1F0 1B0"),
                                               parse_list("0F0 1F0 0B0 1B0")};
  const auto problem = find_schedule_problem(schedules, {2, 2, 1});
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->message,
            "deadlock: no rank can progress; rank 0 position 1: 0B0 waits for 0B0 on rank 1; "
            "rank 1 position 1: 1F0 waits for 1F0 on rank 0");
}

// ---------------------------------------------------------------------------
// Schedule files

TEST(ScheduleFile, ComputeOnlyAndLoweredFilesGiveTheGeneratedLists) {
  for (ScheduleKind kind : kAllKinds) {
    const PipelineShape shape =
        kind == ScheduleKind::kInterleaved ? PipelineShape{2, 4, 2} : PipelineShape{3, 5, 1};
    const auto compute = generate_schedule(kind, shape);
    const auto lowered = lower_schedule(compute, shape);
    const std::string name = schedule_kind_name(kind);
    EXPECT_EQ(load_schedule_file(write_temp(name + "_compute.txt", schedules_text(compute)), shape),
              lowered);
    EXPECT_EQ(load_schedule_file(write_temp(name + "_lowered.txt", schedules_text(lowered)), shape),
              lowered);
  }
}

TEST(ScheduleFile, RefusesABadFileInOneLine) {
  const PipelineShape shape{2, 2, 1};
  const std::string good = "0F0 1F0 0B0 1B0\n0F0 0B0 1F0 1B0\n";
  const std::map<std::string, std::string> cases = {
      {"0F0 1F0 0B0 1B0\n0F0 0B 1F0 1B0\n",
       "rank 1 position 1: '0B' is not an action (like 1F0, 0B1, 1SEND_F0@r1c0, 1RECV_F0@r0c0)"},
      {"0F0 1F0 2F0 0B0 1B0 2B0\n0F0 0B0 1F0 1B0 2F0 2B0\n",
       "the file schedules micro-batches 0..2, but the layout has 2 (--batch-size / --dp / "
       "--micro-batch)"},
      {"0F0 1F0 0B0 1B0\n", "the file holds 1 rank lines, but --pp is 2"},
      {"0F0 1F0 0B0 1B0 0F1 0B1 1F1 1B1\n0F0 0B0 1F0 1B0\n",
       "the file uses chunks 0..1, but --virtual-stages is 1"},
      {"0F0 1F0 0B0 1B0\n0F0 0B0 1F0\n", "rank 1 never runs 1B0"},
      {"0F0 0B0 1F0 1B0\n0F0 1F0 0B0 1B0\n",
       "deadlock: no rank can progress; rank 0 position 1: 0B0 waits for 0B0 on rank 1; rank 1 "
       "position 1: 1F0 waits for 1F0 on rank 0"}};
  for (const auto& [text, message] : cases) {
    const std::string path = write_temp("bad_schedule.txt", text);
    const std::string error = load_error(path, shape);
    EXPECT_EQ(error, "--schedule-file " + path + ": " + message) << text;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
  const std::string missing = std::string(::testing::TempDir()) + "paratrain_no_such_schedule";
  EXPECT_EQ(load_error(missing, shape), "--schedule-file " + missing + ": cannot open the file");
  EXPECT_NO_THROW(load_schedule_file(write_temp("good_schedule.txt", good), shape));
}

TEST(ScheduleFile, LayoutCarriesAndChecksIt) {
  ModelConfig model;
  model.n_layers = 4;
  model.batch_size = 8;
  Layout layout;
  layout.grid.pp = 2;
  layout.micro_batch = 4;  // m = 2
  EXPECT_EQ(layout.to_json().find("schedule_file"), std::string::npos);
  layout.schedule_file = write_temp("layout_schedule.txt", "0F0 1F0 0B0 1B0\n0F0 0B0 1F0 1B0\n");
  EXPECT_NE(layout.to_json().find("\"schedule_file\":\"" + layout.schedule_file + "\""),
            std::string::npos);
  EXPECT_NO_THROW(check_layout(model, layout, 2));
  layout.micro_batch = 2;  // m = 4: the file no longer fits
  EXPECT_THROW(check_layout(model, layout, 2), UsageError);
}

}  // namespace paratrain
