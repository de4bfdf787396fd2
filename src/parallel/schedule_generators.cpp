#include "parallel/schedule_generators.h"

#include <algorithm>

#include "core/error.h"
#include "parallel/schedule_zero_bubble.h"

namespace paratrain {

ScheduleKind parse_schedule_kind(const std::string& text) {
  if (text == "gpipe") return ScheduleKind::kGPipe;
  if (text == "1f1b") return ScheduleKind::kOneFOneB;
  if (text == "interleaved") return ScheduleKind::kInterleaved;
  if (text == "zb-h1") return ScheduleKind::kZbH1;
  if (text == "zb-h2") return ScheduleKind::kZbH2;
  throw UsageError("--schedule must be gpipe, 1f1b, interleaved, zb-h1 or zb-h2 (got '" + text +
                   "')");
}

const char* schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kGPipe:
      return "gpipe";
    case ScheduleKind::kOneFOneB:
      return "1f1b";
    case ScheduleKind::kInterleaved:
      return "interleaved";
    case ScheduleKind::kZbH1:
      return "zb-h1";
    case ScheduleKind::kZbH2:
      return "zb-h2";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------
// Shape rules

void check_pipeline_counts(const PipelineShape& shape) {
  if (shape.stages < 1) {
    throw UsageError("--pp must be at least 1 (got " + std::to_string(shape.stages) + ")");
  }
  if (shape.micro_batches < 1) {
    throw UsageError(
        "the number of micro-batches (--batch-size / --micro-batch) must be at least 1 (got " +
        std::to_string(shape.micro_batches) + ")");
  }
  if (shape.virtual_stages < 1) {
    throw UsageError("--virtual-stages must be at least 1 (got " +
                     std::to_string(shape.virtual_stages) + ")");
  }
}

void check_pipeline_shape(ScheduleKind kind, const PipelineShape& shape) {
  check_pipeline_counts(shape);
  const std::string p = std::to_string(shape.stages);
  const std::string m = std::to_string(shape.micro_batches);
  const std::string v = std::to_string(shape.virtual_stages);
  if (kind != ScheduleKind::kInterleaved) {
    if (shape.virtual_stages != 1) {
      throw UsageError("--virtual-stages needs --schedule interleaved (got --schedule " +
                       std::string(schedule_kind_name(kind)) + " with --virtual-stages " + v + ")");
    }
    return;
  }
  if (shape.virtual_stages < 2) {
    throw UsageError("--schedule interleaved needs --virtual-stages >= 2 (got " + v + ")");
  }
  // Megatron's order walks micro-batches in groups of p; a partial group
  // would leave ranks waiting on micro-batches that never come.
  if (shape.micro_batches % shape.stages != 0) {
    throw UsageError(
        "--schedule interleaved needs the number of micro-batches (m) to be a multiple of --pp "
        "(p); "
        "got m = " +
        m + ", p = " + p);
  }
}

// ---------------------------------------------------------------------------
// Generators

int one_f_one_b_warmup(int stages, int rank, int micro_batches) {
  return std::min(stages - rank - 1, micro_batches);
}

int interleaved_warmup(const PipelineShape& shape, int rank) {
  const int p = shape.stages;
  const int v = shape.virtual_stages;
  return std::min((p - rank - 1) * 2 + (v - 1) * p, shape.micro_batches * v);
}

namespace {

// Megatron's order of a rank's forwards: p micro-batches through chunk 0,
// the same p through chunk 1, ..., then the next group of p. With v == 1 it
// is simply micro-batch `step` on chunk 0.
Action forward_at_step(const PipelineShape& shape, int step) {
  const int p = shape.stages;
  const int chunk = (step / p) % shape.virtual_stages;
  const int micro_batch = (step / (p * shape.virtual_stages)) * p + step % p;
  return {ActionKind::kForward, micro_batch, chunk};
}

// Backwards walk the chunks the other way: the last chunk's gradient is ready first.
Action backward_at_step(const PipelineShape& shape, int step) {
  Action action = forward_at_step(shape, step);
  action.kind = ActionKind::kBackward;
  action.chunk = shape.virtual_stages - 1 - action.chunk;
  return action;
}

// `warmup` forwards, then one forward and one backward in turn, then the
// remaining backwards. GPipe is the case warmup = all forwards.
RankSchedule warmup_steady_cooldown(const PipelineShape& shape, int warmup) {
  const int total = shape.micro_batches * shape.virtual_stages;
  RankSchedule schedule;
  schedule.reserve(2 * total);
  for (int step = 0; step < warmup; ++step) schedule.push_back(forward_at_step(shape, step));
  const int steady = total - warmup;
  for (int step = 0; step < steady; ++step) {
    schedule.push_back(forward_at_step(shape, warmup + step));
    schedule.push_back(backward_at_step(shape, step));
  }
  for (int step = steady; step < total; ++step) schedule.push_back(backward_at_step(shape, step));
  return schedule;
}

int warmup_of(ScheduleKind kind, const PipelineShape& shape, int rank) {
  switch (kind) {
    case ScheduleKind::kGPipe:
      return shape.micro_batches;
    case ScheduleKind::kOneFOneB:
      return one_f_one_b_warmup(shape.stages, rank, shape.micro_batches);
    case ScheduleKind::kInterleaved:
      return interleaved_warmup(shape, rank);
    case ScheduleKind::kZbH1:
    case ScheduleKind::kZbH2:
      break;  // not warm-up / steady / cool-down lists
  }
  return 0;
}

}  // namespace

std::vector<RankSchedule> generate_schedule(ScheduleKind kind, const PipelineShape& shape) {
  check_pipeline_shape(kind, shape);
  std::vector<RankSchedule> schedules;
  schedules.reserve(shape.stages);
  for (int rank = 0; rank < shape.stages; ++rank) {
    if (kind == ScheduleKind::kZbH1 || kind == ScheduleKind::kZbH2) {
      schedules.push_back(zero_bubble_rank_schedule(shape, rank, kind == ScheduleKind::kZbH1 ? 1 : 2));
      continue;
    }
    schedules.push_back(warmup_steady_cooldown(shape, warmup_of(kind, shape, rank)));
  }
  return schedules;
}

}  // namespace paratrain
