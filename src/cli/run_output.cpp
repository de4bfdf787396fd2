#include "cli/run_output.h"

#include <cstdio>

#include "kernels/gemm_bf16.h"

#include "metrics/trace.h"

namespace paratrain {

std::string rank_label(const ProcessGrid& grid) {
  const GridCoord& coord = grid.coord();
  return "rank " + std::to_string(grid.world_rank()) + " (dp " + std::to_string(coord.dp) +
         ", pp " + std::to_string(coord.pp) + ", tp " + std::to_string(coord.tp) + ")";
}

void write_run_trace(const std::string& path, const ProcessGrid& grid, const Timeline& timeline,
                     double origin) {
  const auto all = grid.world().gather_strings(
      trace_events(timeline, grid.world_rank(), rank_label(grid), origin), 0);
  if (grid.world_rank() == 0) write_trace(path, all);
}

void announce_precision(const ModelConfig& model) {
  if (model.precision != Precision::kBf16) return;
  if (kernels::gemm_bf16_native()) {
    std::fprintf(stderr, "paratrain: bf16 matmuls run natively: %s\n", kernels::gemm_bf16_path());
  } else {
    std::fprintf(stderr,
                 "paratrain: note: this CPU has no native bf16 matmul (no AVX512_BF16/AMX "
                 "kernel in %s); bf16 runs %s\n",
                 kernels::gemm_library(), kernels::gemm_bf16_path());
  }
}

}  // namespace paratrain
