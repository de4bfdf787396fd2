#include "parallel/schedule.h"

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include "core/error.h"

namespace paratrain {

ScheduleKind parse_schedule_kind(const std::string& text) {
  if (text == "gpipe") return ScheduleKind::kGPipe;
  if (text == "1f1b") return ScheduleKind::kOneFOneB;
  if (text == "interleaved") return ScheduleKind::kInterleaved;
  throw UsageError("--schedule must be gpipe, 1f1b or interleaved (got '" + text + "')");
}

const char* schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kGPipe:
      return "gpipe";
    case ScheduleKind::kOneFOneB:
      return "1f1b";
    case ScheduleKind::kInterleaved:
      return "interleaved";
  }
  return "unknown";
}

bool operator==(const Action& left, const Action& right) {
  return left.kind == right.kind && left.micro_batch == right.micro_batch &&
         left.chunk == right.chunk;
}

int model_stage(const PipelineShape& shape, int rank, int chunk) {
  return chunk * shape.stages + rank;
}

int rank_of_model_stage(const PipelineShape& shape, int model_stage) {
  return model_stage % shape.stages;
}

int chunk_of_model_stage(const PipelineShape& shape, int model_stage) {
  return model_stage / shape.stages;
}

// ---------------------------------------------------------------------------
// Shape rules

void check_pipeline_shape(ScheduleKind kind, const PipelineShape& shape) {
  const std::string p = std::to_string(shape.stages);
  const std::string m = std::to_string(shape.micro_batches);
  const std::string v = std::to_string(shape.virtual_stages);
  if (shape.stages < 1) throw UsageError("--pp must be at least 1 (got " + p + ")");
  if (shape.micro_batches < 1) {
    throw UsageError(
        "the number of micro-batches (--batch-size / --micro-batch) must be at least 1 (got " + m +
        ")");
  }
  if (shape.virtual_stages < 1) {
    throw UsageError("--virtual-stages must be at least 1 (got " + v + ")");
  }
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
  }
  return 0;
}

}  // namespace

std::vector<RankSchedule> generate_schedule(ScheduleKind kind, const PipelineShape& shape) {
  check_pipeline_shape(kind, shape);
  std::vector<RankSchedule> schedules;
  schedules.reserve(shape.stages);
  for (int rank = 0; rank < shape.stages; ++rank) {
    schedules.push_back(warmup_steady_cooldown(shape, warmup_of(kind, shape, rank)));
  }
  return schedules;
}

// ---------------------------------------------------------------------------
// Text

std::string action_text(const Action& action) {
  const char letter = action.kind == ActionKind::kForward ? 'F' : 'B';
  return std::to_string(action.micro_batch) + letter + std::to_string(action.chunk);
}

std::string schedule_text(const RankSchedule& schedule) {
  std::string text;
  for (const Action& action : schedule) {
    if (!text.empty()) text += ' ';
    text += action_text(action);
  }
  return text;
}

// ---------------------------------------------------------------------------
// Peak in-flight

int peak_in_flight(const RankSchedule& schedule, int chunk) {
  RankSchedule on_chunk;
  for (const Action& action : schedule) {
    if (action.chunk == chunk) on_chunk.push_back(action);
  }
  return peak_in_flight_total(on_chunk);
}

int peak_in_flight_total(const RankSchedule& schedule) {
  std::set<std::pair<int, int>> in_flight;  // (micro-batch, chunk) forwarded, not yet backwarded
  size_t peak = 0;
  for (const Action& action : schedule) {
    const std::pair<int, int> key{action.micro_batch, action.chunk};
    if (action.kind == ActionKind::kForward) {
      in_flight.insert(key);
    } else {
      in_flight.erase(key);
    }
    peak = std::max(peak, in_flight.size());
  }
  return static_cast<int>(peak);
}

// ---------------------------------------------------------------------------
// Problems and the grid that shows them

namespace {

// A cell to mark: position == the rank's list size marks a missing action,
// drawn after the end of the row.
struct Mark {
  int rank;
  size_t position;
  std::string missing_text;
};

struct Problem {
  std::vector<Mark> marks;
  std::string message;  // one line: what is wrong
};

std::vector<std::string> row_cells(const RankSchedule& schedule, int rank,
                                   const std::vector<Mark>& marks) {
  std::vector<std::string> cells;
  for (const Action& action : schedule) cells.push_back(" " + action_text(action) + " ");
  for (const Mark& mark : marks) {
    if (mark.rank != rank) continue;
    if (mark.position < cells.size()) {
      cells[mark.position] = "[" + action_text(schedule[mark.position]) + "]";
    } else {
      cells.push_back("[" + mark.missing_text + " missing]");
    }
  }
  return cells;
}

std::string pad(const std::string& text, size_t width) {
  return text + std::string(width - std::min(width, text.size()), ' ');
}

// One row of the grid: the label, then each cell padded to its column's width.
std::string grid_line(const std::string& label, const std::vector<std::string>& cells,
                      const std::vector<size_t>& widths) {
  std::string line = pad(label, 8);
  for (size_t column = 0; column < cells.size(); ++column) {
    line += ' ' + pad(cells[column], widths[column]);
  }
  line.erase(line.find_last_not_of(' ') + 1);
  return line + '\n';
}

std::string render_report(const std::vector<RankSchedule>& schedules, const Problem& problem) {
  std::vector<std::vector<std::string>> rows;
  size_t columns = 0;
  for (size_t rank = 0; rank < schedules.size(); ++rank) {
    rows.push_back(row_cells(schedules[rank], static_cast<int>(rank), problem.marks));
    columns = std::max(columns, rows.back().size());
  }
  std::vector<size_t> widths(columns, 0);
  for (size_t column = 0; column < columns; ++column) {
    widths[column] = std::to_string(column).size() + 2;
    for (const auto& row : rows) {
      if (column < row.size()) widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::vector<std::string> header;
  for (size_t column = 0; column < columns; ++column)
    header.push_back(" " + std::to_string(column));
  std::string out = grid_line("position", header, widths);
  for (size_t rank = 0; rank < rows.size(); ++rank) {
    out += grid_line("rank " + std::to_string(rank), rows[rank], widths);
  }
  return out + problem.message + '\n';
}

std::string at(int rank, size_t position) {
  return "rank " + std::to_string(rank) + " position " + std::to_string(position) + ": ";
}

// ---------------------------------------------------------------------------
// Structure: every (micro-batch, chunk) forwarded once and backwarded once
// on each rank, each backward after its own forward.

std::optional<Problem> check_action_range(const Action& action, int rank, size_t position,
                                          const PipelineShape& shape) {
  if (action.micro_batch >= 0 && action.micro_batch < shape.micro_batches && action.chunk >= 0 &&
      action.chunk < shape.virtual_stages) {
    return std::nullopt;
  }
  return Problem{{{rank, position, ""}},
                 at(rank, position) + action_text(action) + " is outside micro-batches 0.." +
                     std::to_string(shape.micro_batches - 1) + " and chunks 0.." +
                     std::to_string(shape.virtual_stages - 1)};
}

std::optional<Problem> check_rank_list(const RankSchedule& schedule, int rank,
                                       const PipelineShape& shape) {
  const size_t per_kind = static_cast<size_t>(shape.micro_batches) * shape.virtual_stages;
  std::vector<bool> forwarded(per_kind, false);   // (m, v)
  std::vector<bool> backwarded(per_kind, false);  // (m, v)
  for (size_t position = 0; position < schedule.size(); ++position) {
    const Action& action = schedule[position];
    if (auto problem = check_action_range(action, rank, position, shape)) return problem;
    const size_t slot =
        static_cast<size_t>(action.micro_batch) * shape.virtual_stages + action.chunk;
    std::vector<bool>& done = action.kind == ActionKind::kForward ? forwarded : backwarded;
    if (done[slot]) {
      return Problem{{{rank, position, ""}},
                     at(rank, position) + action_text(action) + " appears a second time"};
    }
    if (action.kind == ActionKind::kBackward && !forwarded[slot]) {
      const Action forward{ActionKind::kForward, action.micro_batch, action.chunk};
      return Problem{{{rank, position, ""}},
                     at(rank, position) + action_text(action) + " comes before its forward " +
                         action_text(forward)};
    }
    done[slot] = true;
  }
  for (size_t slot = 0; slot < per_kind; ++slot) {
    const int micro_batch = static_cast<int>(slot) / shape.virtual_stages;
    const int chunk = static_cast<int>(slot) % shape.virtual_stages;
    for (ActionKind kind : {ActionKind::kForward, ActionKind::kBackward}) {
      if ((kind == ActionKind::kForward ? forwarded : backwarded)[slot]) continue;
      const std::string text = action_text({kind, micro_batch, chunk});
      return Problem{{{rank, schedule.size(), text}},
                     "rank " + std::to_string(rank) + " never runs " + text};
    }
  }
  return std::nullopt;
}

std::optional<Problem> check_structure(const std::vector<RankSchedule>& schedules,
                                       const PipelineShape& shape) {
  if (shape.stages < 1 || shape.micro_batches < 1 || shape.virtual_stages < 1) {
    return Problem{{},
                   "the shape needs p, m and v >= 1 (got p = " + std::to_string(shape.stages) +
                       ", m = " + std::to_string(shape.micro_batches) +
                       ", v = " + std::to_string(shape.virtual_stages) + ")"};
  }
  if (static_cast<int>(schedules.size()) != shape.stages) {
    return Problem{{},
                   "expected " + std::to_string(shape.stages) +
                       " lists (one per pipeline rank), got " + std::to_string(schedules.size())};
  }
  for (int rank = 0; rank < shape.stages; ++rank) {
    if (auto problem = check_rank_list(schedules[rank], rank, shape)) return problem;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Replay: runs the lists in order, each action once its inputs exist.

// An input an action waits for: another action, identified by model stage.
struct Dependency {
  ActionKind kind;
  int micro_batch;
  int model_stage;
  bool remote;  // produced on another rank, so it pays comm_cost
};

std::vector<Dependency> inputs_of(const PipelineShape& shape, int rank, const Action& action) {
  const int stage = model_stage(shape, rank, action.chunk);
  std::vector<Dependency> inputs;
  auto add = [&](ActionKind kind, int from_stage) {
    const bool remote = rank_of_model_stage(shape, from_stage) != rank;
    inputs.push_back({kind, action.micro_batch, from_stage, remote});
  };
  if (action.kind == ActionKind::kForward) {
    if (stage > 0) add(ActionKind::kForward, stage - 1);  // activation from the stage before
  } else {
    add(ActionKind::kForward, stage);  // its own saved activations
    if (stage < shape.model_stages() - 1) add(ActionKind::kBackward, stage + 1);  // gradient
  }
  return inputs;
}

struct Costs {
  double forward = 0;
  double backward = 0;
  double comm = 0;
};

constexpr double kNotDone = -1.0;

struct ReplayState {
  std::vector<double> finish;   // (2, m, S) end time of each action, kNotDone until it ran
  std::vector<size_t> cursor;   // (p) next position in each rank's list
  std::vector<double> free_at;  // (p) when each rank finishes its last action
  std::vector<double> busy;     // (p) compute time so far
};

size_t finish_slot(const PipelineShape& shape, ActionKind kind, int micro_batch, int stage) {
  const size_t per_kind = static_cast<size_t>(shape.micro_batches) * shape.model_stages();
  return (kind == ActionKind::kForward ? 0 : per_kind) +
         static_cast<size_t>(micro_batch) * shape.model_stages() + stage;
}

// When the action's inputs are all available, or nullopt if one has not run yet.
std::optional<double> inputs_ready(const ReplayState& state, const PipelineShape& shape, int rank,
                                   const Action& action, const Costs& costs) {
  double ready = 0;
  for (const Dependency& input : inputs_of(shape, rank, action)) {
    const double done =
        state.finish[finish_slot(shape, input.kind, input.micro_batch, input.model_stage)];
    if (done == kNotDone) return std::nullopt;
    ready = std::max(ready, done + (input.remote ? costs.comm : 0.0));
  }
  return ready;
}

// Runs as many of the rank's next actions as have their inputs; true if any ran.
bool advance_rank(ReplayState& state, const std::vector<RankSchedule>& schedules,
                  const PipelineShape& shape, int rank, const Costs& costs) {
  bool progressed = false;
  const RankSchedule& schedule = schedules[rank];
  while (state.cursor[rank] < schedule.size()) {
    const Action& action = schedule[state.cursor[rank]];
    const std::optional<double> ready = inputs_ready(state, shape, rank, action, costs);
    if (!ready) break;
    const double cost = action.kind == ActionKind::kForward ? costs.forward : costs.backward;
    const double start = std::max(state.free_at[rank], *ready);
    state.free_at[rank] = start + cost;
    state.busy[rank] += cost;
    state.finish[finish_slot(shape, action.kind, action.micro_batch,
                             model_stage(shape, rank, action.chunk))] = start + cost;
    ++state.cursor[rank];
    progressed = true;
  }
  return progressed;
}

// Each action's start depends only on the one before it in its list and on
// its inputs, so the order ranks are advanced in does not change the times.
ReplayState replay(const std::vector<RankSchedule>& schedules, const PipelineShape& shape,
                   const Costs& costs) {
  ReplayState state;
  state.finish.assign(2 * static_cast<size_t>(shape.micro_batches) * shape.model_stages(),
                      kNotDone);
  state.cursor.assign(shape.stages, 0);
  state.free_at.assign(shape.stages, 0.0);
  state.busy.assign(shape.stages, 0.0);
  bool progressed = true;
  while (progressed) {
    progressed = false;
    for (int rank = 0; rank < shape.stages; ++rank) {
      progressed = advance_rank(state, schedules, shape, rank, costs) || progressed;
    }
  }
  return state;
}

// The first input the stuck action still waits for, as "1B1 on rank 1".
std::string awaited_input(const ReplayState& state, const PipelineShape& shape, int rank,
                          const Action& action) {
  for (const Dependency& input : inputs_of(shape, rank, action)) {
    if (state.finish[finish_slot(shape, input.kind, input.micro_batch, input.model_stage)] !=
        kNotDone) {
      continue;
    }
    const Action awaited{input.kind, input.micro_batch,
                         chunk_of_model_stage(shape, input.model_stage)};
    return action_text(awaited) + " on rank " +
           std::to_string(rank_of_model_stage(shape, input.model_stage));
  }
  return "nothing";
}

// nullopt when every rank ran its whole list; otherwise each stuck rank's
// next action is marked, with what it waits for.
std::optional<Problem> find_deadlock(const ReplayState& state,
                                     const std::vector<RankSchedule>& schedules,
                                     const PipelineShape& shape) {
  Problem problem;
  for (int rank = 0; rank < shape.stages; ++rank) {
    const size_t position = state.cursor[rank];
    if (position == schedules[rank].size()) continue;
    const Action& action = schedules[rank][position];
    problem.marks.push_back({rank, position, ""});
    problem.message += (problem.message.empty() ? "deadlock: no rank can progress; " : "; ") +
                       at(rank, position) + action_text(action) + " waits for " +
                       awaited_input(state, shape, rank, action);
  }
  if (problem.marks.empty()) return std::nullopt;
  return problem;
}

}  // namespace

std::string validate_schedule(const std::vector<RankSchedule>& schedules,
                              const PipelineShape& shape) {
  if (auto problem = check_structure(schedules, shape)) return render_report(schedules, *problem);
  const ReplayState state = replay(schedules, shape, Costs{});
  if (auto problem = find_deadlock(state, schedules, shape)) {
    return render_report(schedules, *problem);
  }
  return "";
}

SimulatedRun simulate_schedule(const std::vector<RankSchedule>& schedules,
                               const PipelineShape& shape, double forward_cost,
                               double backward_cost, double comm_cost) {
  if (auto problem = check_structure(schedules, shape)) {
    throw std::runtime_error("simulate_schedule: invalid schedule\n" +
                             render_report(schedules, *problem));
  }
  const ReplayState state = replay(schedules, shape, {forward_cost, backward_cost, comm_cost});
  if (auto problem = find_deadlock(state, schedules, shape)) {
    throw std::runtime_error("simulate_schedule: the schedule deadlocks\n" +
                             render_report(schedules, *problem));
  }
  SimulatedRun run;
  run.makespan = *std::max_element(state.free_at.begin(), state.free_at.end());
  run.busy = state.busy;
  for (double busy : run.busy) {
    run.bubble_fraction.push_back(run.makespan > 0 ? 1.0 - busy / run.makespan : 0.0);
  }
  return run;
}

}  // namespace paratrain
