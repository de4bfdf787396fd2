#include "metrics/run_measures.h"

namespace paratrain {

RankShares rank_shares(const TimeBreakdown& time) {
  return {time.utilization(), time.waiting_for_neighbours() / time.wall,
          time.communication() / time.wall};
}

Throughput throughput(double tokens_per_step, double step_median_s, int devices,
                      double model_flops_per_token, double peak_gflops_per_device) {
  Throughput out;
  out.tokens_per_s = tokens_per_step / step_median_s;
  out.tokens_per_s_per_device = out.tokens_per_s / devices;
  out.achieved_gflops_per_device = model_flops_per_token * out.tokens_per_s / devices / 1e9;
  out.mfu = out.achieved_gflops_per_device / peak_gflops_per_device;
  return out;
}

}  // namespace paratrain
