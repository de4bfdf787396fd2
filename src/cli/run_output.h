#pragma once
// What train and bench do alike at the end of a run: the trace and the
// parameters, written collectively.
#include <string>

#include "comm/communicator.h"
#include "metrics/timeline.h"

namespace paratrain {

std::string rank_label(const ProcessGrid& grid);
// Collective: rank 0 writes every rank's timeline to `path` as a Chrome trace.
void write_run_trace(const std::string& path, const ProcessGrid& grid, const Timeline& timeline,
                     double origin);

}  // namespace paratrain
