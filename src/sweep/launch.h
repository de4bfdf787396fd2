#pragma once
// The command line that runs one sweep point: the binary itself for one
// rank, mpirun for more.
#include <string>
#include <vector>

#include "sweep/sweep_point.h"

namespace paratrain {

struct LaunchSettings {
  std::string binary;         // the paratrain executable
  double peak_gflops = 0;     // passed to every point, so their MFU share one peak
  std::string trace_path;     // empty: no trace
  double peak_gflops_bf16 = 0;  // as peak_gflops, for the points run with --precision bf16
  std::string cluster_path = {};  // bench --cluster: the description its prediction prices with; empty: none
};

// bench with the point's model and layout flags, its warm-up and steps.
std::vector<std::string> bench_arguments(const SweepPoint& point, const LaunchSettings& settings);

// bench_arguments under `mpirun -q -np K` (with --allow-run-as-root as root
// and --oversubscribe when K exceeds the cores), or alone for one rank.
std::vector<std::string> launch_command(const SweepPoint& point, const LaunchSettings& settings);

}  // namespace paratrain
