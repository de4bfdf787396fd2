// Zero-bubble schedules (ZB-H1, ZB-H2) and the split backward in the
// schedule machinery: text form, structure rules, peak in flight, simulated
// step time against the closed forms of parallel/schedule_zero_bubble.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "parallel/schedule.h"
#include "schedule_report.h"

namespace paratrain {
namespace {

std::string describe(ScheduleKind kind, int stages, int micro_batches) {
  return std::string(schedule_kind_name(kind)) + " p=" + std::to_string(stages) +
         " m=" + std::to_string(micro_batches);
}

std::vector<RankSchedule> parse_lists(const std::string& text) {
  return parse_schedules_text(text, "test");
}

TEST(ZeroBubbleKind, ParsesAndNamesBoth) {
  EXPECT_EQ(parse_schedule_kind("zb-h1"), ScheduleKind::kZbH1);
  EXPECT_EQ(parse_schedule_kind("zb-h2"), ScheduleKind::kZbH2);
  EXPECT_STREQ(schedule_kind_name(ScheduleKind::kZbH1), "zb-h1");
  EXPECT_STREQ(schedule_kind_name(ScheduleKind::kZbH2), "zb-h2");
}

TEST(ZeroBubbleKind, RefusesVirtualStages) {
  EXPECT_THROW(generate_schedule(ScheduleKind::kZbH1, {2, 4, 2}), UsageError);
  EXPECT_THROW(generate_schedule(ScheduleKind::kZbH2, {2, 4, 2}), UsageError);
}

TEST(WeightAction, TextRoundTrips) {
  const Action weight{ActionKind::kWeight, 3, 1};
  EXPECT_EQ(action_text(weight), "3W1");
  ASSERT_TRUE(parse_action("3W1").has_value());
  EXPECT_EQ(*parse_action("3W1"), weight);
  EXPECT_FALSE(parse_action("3W1@r0c0").has_value());  // compute actions name no peer
  EXPECT_TRUE(is_compute(ActionKind::kWeight));
  EXPECT_EQ(compute_kind_of(ActionKind::kWeight), ActionKind::kWeight);
}

// The generators' lists for p = 2, m = 3, written out: ZB-H1's last rank runs
// its Ws one micro-batch behind its Bs (its peak is p = 2); ZB-H2's rank 0
// warms up with 2 forwards and its last rank runs Ws two behind.
TEST(ZeroBubbleGenerator, SmallCases) {
  const PipelineShape shape{2, 3, 1};
  const auto h1 = generate_schedule(ScheduleKind::kZbH1, shape);
  EXPECT_EQ(schedule_text(h1[0]), "0F0 1F0 0B0 0W0 2F0 1B0 1W0 2B0 2W0");
  EXPECT_EQ(schedule_text(h1[1]), "0F0 0B0 1F0 1B0 0W0 2F0 2B0 1W0 2W0");
  const auto h2 = generate_schedule(ScheduleKind::kZbH2, shape);
  EXPECT_EQ(schedule_text(h2[0]), "0F0 1F0 2F0 0B0 0W0 1B0 1W0 2B0 2W0");
  EXPECT_EQ(schedule_text(h2[1]), "0F0 0B0 1F0 1B0 2F0 2B0 0W0 1W0 2W0");
}

// Every (p, m) with p in 1..8, m in 1..24: each micro-batch forwarded, input-
// and weight-gradient once on each rank, W after its B, and the lowered lists
// validate (every rule, and no deadlock in the replay).
TEST(ZeroBubbleGenerator, EveryListValidatesWithEachWAfterItsB) {
  for (ScheduleKind kind : {ScheduleKind::kZbH1, ScheduleKind::kZbH2}) {
    for (int p = 1; p <= 8; ++p) {
      for (int m = 1; m <= 24; ++m) {
        const PipelineShape shape{p, m, 1};
        const auto lists = generate_schedule(kind, shape);
        SCOPED_TRACE(describe(kind, p, m));
        for (const RankSchedule& list : lists) {
          ASSERT_EQ(list.size(), static_cast<size_t>(3 * m));
          for (int mb = 0; mb < m; ++mb) {
            const auto at = [&](ActionKind action_kind) {
              return std::find(list.begin(), list.end(), Action{action_kind, mb, 0}) - list.begin();
            };
            EXPECT_LT(at(ActionKind::kForward), at(ActionKind::kBackward));
            EXPECT_LT(at(ActionKind::kBackward), at(ActionKind::kWeight));
            EXPECT_LT(at(ActionKind::kWeight), static_cast<long>(list.size()));
          }
        }
        EXPECT_EQ(validate_schedule(lists, shape), "");
        EXPECT_EQ(validate_schedule(lower_schedule(lists, shape), shape), "");
      }
    }
  }
}

// Activations are held from F to W. ZB-H1 holds at most what 1F1B's first
// rank holds, min(p, m), on every rank; ZB-H2 at most 2p - 1.
TEST(ZeroBubblePeakInFlight, H1EqualsOneFOneBAndH2IsTwoPMinusOne) {
  for (int p = 1; p <= 8; ++p) {
    for (int m = 1; m <= 24; ++m) {
      const PipelineShape shape{p, m, 1};
      SCOPED_TRACE("p=" + std::to_string(p) + " m=" + std::to_string(m));
      const auto one_f_one_b = lower_schedule(generate_schedule(ScheduleKind::kOneFOneB, shape), shape);
      const auto h1 = lower_schedule(generate_schedule(ScheduleKind::kZbH1, shape), shape);
      const auto h2 = lower_schedule(generate_schedule(ScheduleKind::kZbH2, shape), shape);
      int peak_1f1b = 0, peak_h1 = 0, peak_h2 = 0;
      for (int rank = 0; rank < p; ++rank) {
        peak_1f1b = std::max(peak_1f1b, peak_in_flight_total(one_f_one_b[rank]));
        peak_h1 = std::max(peak_h1, peak_in_flight_total(h1[rank]));
        peak_h2 = std::max(peak_h2, peak_in_flight_total(h2[rank]));
      }
      EXPECT_EQ(peak_h1, peak_1f1b);
      EXPECT_EQ(peak_1f1b, std::min(p, m));
      EXPECT_EQ(peak_h2, std::min(2 * p - 1, m));
    }
  }
}

TEST(ZeroBubblePeakInFlight, ASplitBackwardHoldsItsSlotUntilW) {
  const auto lists = parse_lists("0F0 1F0 0B0 1B0 0W0 1W0\n");
  EXPECT_EQ(peak_in_flight_total(lists[0]), 2);
  const auto unsplit = parse_lists("0F0 0B0 1F0 1B0\n");
  EXPECT_EQ(peak_in_flight_total(unsplit[0]), 1);
  const auto split = parse_lists("0F0 0B0 1F0 1B0 0W0 1W0\n");
  EXPECT_EQ(peak_in_flight_total(split[0]), 2);  // 0 is held until 0W0
}

struct Costs {
  double forward, input_gradient, weight_gradient;
};

// Step time (makespan) with no transfer cost:
//   1F1B   m (F+B+W) + (p-1)(F+B+W)
//   ZB-H1  m (F+B+W) + (p-1)(F+B-W)            m >= p, W <= B
//   ZB-H2  m (F+B+W) + (p-1) max(F, F+B-2W)    m >= 2p-1
// Every rank is busy m (F+B+W), so its bubble is 1 - that / makespan.
double closed_form_makespan(ScheduleKind kind, int p, int m, const Costs& c) {
  const double work = m * (c.forward + c.input_gradient + c.weight_gradient);
  switch (kind) {
    case ScheduleKind::kZbH1:
      return work + (p - 1) * (c.forward + c.input_gradient - c.weight_gradient);
    case ScheduleKind::kZbH2:
      return work + (p - 1) * std::max(c.forward,
                                       c.forward + c.input_gradient - 2 * c.weight_gradient);
    default:
      return work + (p - 1) * (c.forward + c.input_gradient + c.weight_gradient);
  }
}

TEST(ZeroBubbleSimulation, StepTimeEqualsTheClosedForm) {
  const Costs cases[] = {{1, 1, 1}, {1, 2, 1}, {1, 1.5, 0.5}, {2, 1, 1}, {1, 1, 0.25}};
  for (const Costs& c : cases) {
    for (ScheduleKind kind : {ScheduleKind::kOneFOneB, ScheduleKind::kZbH1, ScheduleKind::kZbH2}) {
      for (int p = 1; p <= 8; ++p) {
        const int least_m = kind == ScheduleKind::kZbH2 ? 2 * p - 1 : p;
        for (int m = least_m; m <= 32; ++m) {
          SCOPED_TRACE(describe(kind, p, m) + " F=" + std::to_string(c.forward) +
                       " B=" + std::to_string(c.input_gradient) +
                       " W=" + std::to_string(c.weight_gradient));
          const PipelineShape shape{p, m, 1};
          const SimulatedRun run =
              simulate_schedule(generate_schedule(kind, shape), shape, c.forward,
                                c.input_gradient, c.weight_gradient, 0.0);
          const double makespan = closed_form_makespan(kind, p, m, c);
          EXPECT_NEAR(run.makespan, makespan, 1e-9);
          const double busy = m * (c.forward + c.input_gradient + c.weight_gradient);
          for (int rank = 0; rank < p; ++rank) {
            EXPECT_NEAR(run.busy[rank], busy, 1e-9);
            EXPECT_NEAR(run.bubble_fraction[rank], 1.0 - busy / makespan, 1e-12);
          }
        }
      }
    }
  }
}

// At F = B = W: ZB-H1's idle time per rank, (p-1) F, is a third of 1F1B's
// 3 (p-1) F (the paper's "a third of the bubble"; as a fraction of the step
// it is a little more, the step being shorter); ZB-H2's bubble
// (p-1) F / (3 m F + (p-1) F) falls to ~0 as m grows.
TEST(ZeroBubbleSimulation, IdleAThirdOfOneFOneBAndH2NearZeroForLargeM) {
  for (int p = 2; p <= 8; ++p) {
    for (int m = p; m <= 32; ++m) {
      const PipelineShape shape{p, m, 1};
      SCOPED_TRACE("p=" + std::to_string(p) + " m=" + std::to_string(m));
      const auto idle = [&](ScheduleKind kind, int rank) {
        const SimulatedRun run =
            simulate_schedule(generate_schedule(kind, shape), shape, 1.0, 1.0, 1.0, 0.0);
        return run.makespan - run.busy[rank];
      };
      for (int rank = 0; rank < p; ++rank) {
        EXPECT_LE(idle(ScheduleKind::kZbH1, rank), idle(ScheduleKind::kOneFOneB, rank) / 3 + 1e-9);
      }
    }
  }
  const PipelineShape large{4, 256, 1};
  const SimulatedRun h2 =
      simulate_schedule(generate_schedule(ScheduleKind::kZbH2, large), large, 1.0, 1.0, 1.0, 0.0);
  for (double fraction : h2.bubble_fraction) EXPECT_LT(fraction, 0.005);
}

// Splitting changes no total: a backward that no W splits costs B + W, so
// 1F1B in the six-cost form equals the five-cost form with backward = B + W.
TEST(ZeroBubbleSimulation, UnsplitBackwardCostsInputPlusWeight) {
  const PipelineShape shape{3, 6, 1};
  const auto lists = generate_schedule(ScheduleKind::kOneFOneB, shape);
  const SimulatedRun six = simulate_schedule(lists, shape, 1.0, 1.5, 0.5, 0.1);
  const SimulatedRun five = simulate_schedule(lists, shape, 1.0, 2.0, 0.1);
  EXPECT_DOUBLE_EQ(six.makespan, five.makespan);
}

// Per-action costs: a split B is asked for its input gradient, W for the rest.
TEST(ZeroBubbleSimulation, PerActionCostsMatchTheUniformForm) {
  const PipelineShape shape{4, 8, 1};
  const auto lists = generate_schedule(ScheduleKind::kZbH1, shape);
  const ActionCost cost = [](int /*rank*/, const Action& action) {
    switch (action.kind) {
      case ActionKind::kForward:
        return 1.0;
      case ActionKind::kBackward:
        return 1.5;
      case ActionKind::kWeight:
        return 0.5;
      default:
        return 0.25;  // a transfer between ranks
    }
  };
  const SimulatedRun per_action = simulate_schedule(lists, shape, cost);
  const SimulatedRun uniform = simulate_schedule(lists, shape, 1.0, 1.5, 0.5, 0.25);
  EXPECT_DOUBLE_EQ(per_action.makespan, uniform.makespan);
}

TEST(ZeroBubbleValidation, MarksAWBeforeItsB) {
  const auto lists = parse_lists("0F0 0W0 0B0\n");
  const std::string report = validate_schedule(lists, {1, 1, 1});
  EXPECT_EQ(testing::last_line(report), "rank 0 position 1: 0W0 comes before its backward 0B0");
  EXPECT_NE(testing::grid_row(report, 0).find("[0W0]"), std::string::npos);
}

TEST(ZeroBubbleValidation, MarksADuplicateW) {
  const auto lists = parse_lists("0F0 0B0 0W0 0W0\n");
  EXPECT_EQ(testing::last_line(validate_schedule(lists, {1, 1, 1})),
            "rank 0 position 3: 0W0 appears a second time");
}

// W is optional per micro-batch: a list may split some backwards only.
TEST(ZeroBubbleValidation, AcceptsWForSomeMicroBatchesOnly) {
  const auto lists = parse_lists("0F0 1F0 0B0 1B0 1W0\n0F0 0B0 1F0 1B0 0W0\n");
  EXPECT_EQ(validate_schedule(lists, {2, 2, 1}), "");
}

// A B still needs the next stage's B: here rank 0 waits for 0B0 on rank 1,
// which comes after 1F0, which waits for rank 0's 1F0, after its 0B0.
TEST(ZeroBubbleValidation, BNeedsTheNextStagesB) {
  const auto lists = parse_lists("0F0 0B0 1F0 1B0 0W0 1W0\n0F0 1F0 0B0 0W0 1B0 1W0\n");
  EXPECT_NE(testing::last_line(validate_schedule(lists, {2, 2, 1})).find("deadlock"),
            std::string::npos);
}

TEST(ZeroBubbleLowering, WGetsNoTransfers) {
  const PipelineShape shape{2, 2, 1};
  const auto lowered = lower_schedule(generate_schedule(ScheduleKind::kZbH1, shape), shape);
  EXPECT_EQ(schedule_text(lowered[1]),
            "0RECV_F0@r0c0 0F0 0B0 0SEND_B0@r0c0 1RECV_F0@r0c0 1F0 1B0 1SEND_B0@r0c0 0W0 1W0");
}

}  // namespace
}  // namespace paratrain
