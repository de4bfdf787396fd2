#pragma once
// The sweeps behind `paratrain study`: the seed report's baseline (--full)
// and a smaller one sized to finish in about ten minutes on two cores.
#include <string>
#include <vector>

#include "sweep/host_plan.h"
#include "sweep/sweep_point.h"
#include "sweep/sweep_spec.h"

namespace paratrain {

// Default: V=1000 T=128 D=256 H=8 L=4 F=4 B=16, dropout 0.1; one at a time
// batch_size 8,16,32; seq_len 64,128,256; n_layers 2,4,8; micro_batch
// 1,2,4,8; precision fp32, bf16; warm-up 1, 3 measured steps, each point 3 times (interleaved).
// Full: the seed's baseline V=1000 T=256 D=512 H=8 L=12 F=4 B=32; batch_size
// 8..64, seq_len 64..512, n_layers 4..24, micro_batch 1..16.
// Both over default_strategies(ranks, L).
// repeats: measurements of each point (0: the study's default, 3).
SweepSpec study_spec(bool full, int ranks, int repeats = 0);

// The study's across-hosts section: the default model's base point (no
// axes) for dp, tp and pp 1F1B on `ranks` ranks, and with 2 ranks also
// dp2xtp2 on 4 (tp inside a host against tp across hosts), each across
// `hosts` namespace hosts at every rate in `link_rates`, as many repeats as
// the local part. Empty when hosts is 1.
std::vector<SweepPoint> study_host_points(int ranks, int repeats, int hosts,
                                          const std::vector<std::string>& link_rates);

// The rates the study's across-hosts section runs at by default: a slow
// network, a common one and no shaping (shared memory is the local part).
std::vector<std::string> study_default_link_rates();

}  // namespace paratrain
