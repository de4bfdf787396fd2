#pragma once
// The figures of a measured run (DESIGN.md "What is measured"), computed from
// a rank's time breakdown and the run's step times; plain numbers in and out,
// so the bench, the planner and the tests share one definition.
#include "metrics/timeline.h"

namespace paratrain {

// Fractions of one rank's wall time over the measured steps.
struct RankShares {
  double utilization = 0;   // compute / wall
  double bubble = 0;        // waiting for a neighbour (pipeline receives, step-end wait) / wall
  double exposed_comm = 0;  // blocked in communication / wall
};
RankShares rank_shares(const TimeBreakdown& time);

struct Throughput {
  double tokens_per_s = 0;             // global tokens per step / median step time
  double tokens_per_s_per_device = 0;
  double achieved_gflops_per_device = 0;  // model FLOPs per token x tokens/s per device
  double mfu = 0;                         // achieved / peak
};
Throughput throughput(double tokens_per_step, double step_median_s, int devices,
                      double model_flops_per_token, double peak_gflops_per_device);

}  // namespace paratrain
