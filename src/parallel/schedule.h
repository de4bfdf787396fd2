#pragma once
// Pipeline schedules as data (DESIGN.md principle 3). A schedule is, for
// each pipeline rank, the ordered list of actions that rank runs:
//   pipeline_action.h      actions, placement of model stages, text form
//   schedule_generators.h  GPipe, 1F1B, interleaved 1F1B, ZB-H1, ZB-H2 (compute-only lists)
//   schedule_zero_bubble.h the zero-bubble lists (backward split into B and W) and their step time
//   schedule_lowering.h    adds the sends and receives; who talks to whom
//   schedule_structure.h   per-rank rules of compute-only and lowered lists
//   schedule_replay.h      runs lowered lists with blocking receives
//   schedule_validator.h   structure + deadlock, with a grid marking the bad action
//   schedule_simulator.h   predicted bubble and activations held
//   schedule_file.h        --schedule-file: schedules written as text
// Everything here is pure: no MPI, no model.
#include "parallel/pipeline_action.h"
#include "parallel/schedule_file.h"
#include "parallel/schedule_generators.h"
#include "parallel/schedule_lowering.h"
#include "parallel/schedule_simulator.h"
#include "parallel/schedule_validator.h"
