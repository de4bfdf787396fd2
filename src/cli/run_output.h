#pragma once
// What train and bench do alike at the end of a run: the trace and the
// parameters, written collectively.
#include <string>

#include "comm/communicator.h"
#include "metrics/timeline.h"
#include "model/config.h"

namespace paratrain {

std::string rank_label(const ProcessGrid& grid);
// Collective: rank 0 writes every rank's timeline to `path` as a Chrome trace.
void write_run_trace(const std::string& path, const ProcessGrid& grid, const Timeline& timeline,
                     double origin);

// Under bf16, one line on stderr (call on one rank): whether this CPU runs
// bf16 matmuls natively and which GEMM path runs. Nothing under fp32.
void announce_precision(const ModelConfig& model);

}  // namespace paratrain
