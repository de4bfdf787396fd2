#include "sweep/plan.h"

#include <set>

#include "core/error.h"

namespace paratrain {

namespace {

SweepPoint base_point(const SweepSpec& spec, const Strategy& strategy) {
  SweepPoint point;
  point.strategy = strategy;
  point.model = spec.base;
  point.layout.grid = strategy.grid;
  point.layout.schedule = strategy.schedule;
  point.layout.virtual_stages = strategy.virtual_stages;
  point.layout.sequence_parallel = strategy.sequence_parallel;
  point.layout.zero = zero_stage_from_number(strategy.zero);
  // Without a pipeline, micro-batches only accumulate gradients: run the replica's batch.
  point.layout.micro_batch = strategy.is_pipeline() ? spec.base_micro_batch : 0;
  point.warmup = spec.warmup;
  point.steps = spec.steps;
  return point;
}

// Validates the point's model (refusing the sweep) and its layout (skipping the point).
void check_point(SweepPoint& point) {
  const std::string where = "sweep point " + point.key() + ": ";
  try {
    point.model.validate();
  } catch (const UsageError& error) {
    throw UsageError(where + error.what());
  }
  if (point.varied == SweepField::kMicroBatch && point.layout.micro_batch < 1) {
    throw UsageError(where + "micro_batch must be at least 1");
  }
  try {
    check_layout(point.model, point.layout, point.strategy.ranks());
  } catch (const UsageError& error) {
    point.skip_reason = error.what();
  }
}

// Adds one point per strategy for `field` = `value`; refuses the value when no strategy runs it.
void add_value_points(const SweepSpec& spec, SweepField field, double value,
                      std::vector<SweepPoint>& points) {
  int added = 0, runnable = 0;
  std::string last_reason;
  for (const Strategy& strategy : spec.strategies) {
    if (field == SweepField::kMicroBatch && !strategy.is_pipeline()) continue;
    SweepPoint point = base_point(spec, strategy);
    apply_field(field, value, point.model, point.layout);
    point.varied = field;
    point.value = value;
    check_point(point);
    ++added;
    if (point.skip_reason.empty()) ++runnable;
    else last_reason = point.skip_reason;
    points.push_back(std::move(point));
  }
  if (added > 0 && runnable == 0) {
    throw UsageError(std::string("grid value ") + sweep_field_name(field) + "=" +
                     format_field_value(field, value) + " fits no strategy of the sweep (" +
                     last_reason + ")");
  }
}

// Every point once, then every point again: repeats interleave across strategies.
std::vector<SweepPoint> repeated(const std::vector<SweepPoint>& points, int repeats) {
  std::vector<SweepPoint> all;
  all.reserve(points.size() * static_cast<size_t>(repeats));
  for (int repeat = 0; repeat < repeats; ++repeat) {
    for (SweepPoint point : points) {
      if (repeat > 0 && !point.skip_reason.empty()) continue;  // a refused layout is refused once
      point.repeat = repeat;
      all.push_back(std::move(point));
    }
  }
  return all;
}

}  // namespace

std::vector<SweepPoint> plan_sweep(const SweepSpec& spec) {
  if (spec.strategies.empty()) throw UsageError("the sweep has no strategies");
  if (spec.warmup < 0) throw UsageError("--warmup must be >= 0");
  if (spec.steps < 1) throw UsageError("--steps must be at least 1");
  if (spec.repeats < 1) throw UsageError("--repeats must be at least 1");
  if (spec.base_micro_batch < 1) throw UsageError("--micro-batch must be at least 1");
  check_grid_axes(spec.grid);
  std::vector<SweepPoint> points;
  for (const Strategy& strategy : spec.strategies) {
    SweepPoint point = base_point(spec, strategy);
    check_point(point);
    points.push_back(std::move(point));
  }
  for (const GridAxis& axis : spec.grid) {
    for (const double value : axis.values) add_value_points(spec, axis.field, value, points);
  }
  // A value listed twice is one point.
  std::set<std::string> seen;
  std::erase_if(points, [&seen](const SweepPoint& point) { return !seen.insert(point.key()).second; });
  return repeated(points, spec.repeats);
}

}  // namespace paratrain
