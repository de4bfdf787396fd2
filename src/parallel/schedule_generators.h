#pragma once
// The schedules paratrain generates: GPipe, 1F1B, Megatron's interleaved
// 1F1B and the zero-bubble ZB-H1 and ZB-H2 (schedule_zero_bubble.h), as compute-only lists (one per pipeline rank); lower_schedule
// (schedule_lowering.h) adds the sends and receives.
#include <string>
#include <vector>

#include "parallel/pipeline_action.h"

namespace paratrain {

enum class ScheduleKind { kGPipe, kOneFOneB, kInterleaved, kZbH1, kZbH2 };

// "gpipe" | "1f1b" | "interleaved" | "zb-h1" | "zb-h2"; anything else is a UsageError naming --schedule.
ScheduleKind parse_schedule_kind(const std::string& text);
const char* schedule_kind_name(ScheduleKind kind);

// Throws UsageError naming the flag when p, m or v is below 1.
void check_pipeline_counts(const PipelineShape& shape);
// Throws UsageError naming the flag and the rule: p, m, v >= 1; interleaved
// needs v >= 2 and m a multiple of p; the others need v == 1.
void check_pipeline_shape(ScheduleKind kind, const PipelineShape& shape);

// One compute-only list per pipeline rank (index = rank). Checks the shape first.
std::vector<RankSchedule> generate_schedule(ScheduleKind kind, const PipelineShape& shape);

// Forwards rank `rank` runs before its first backward in 1F1B: min(p - r - 1, m).
int one_f_one_b_warmup(int stages, int rank, int micro_batches);
// Megatron's interleaved warm-up, counted in (micro-batch, chunk) forwards:
// min((p - r - 1) * 2 + (v - 1) * p, m * v).
int interleaved_warmup(const PipelineShape& shape, int rank);

}  // namespace paratrain
