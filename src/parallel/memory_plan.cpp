#include "parallel/memory_plan.h"

#include <mpi.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "comm/mpi_check.h"
#include "metrics/timeline.h"

namespace paratrain {

namespace {

// A number from a one-line cgroup file; nothing for "max" or an absent file.
std::optional<size_t> read_cgroup_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    return static_cast<size_t>(std::stoull(text));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string gib(size_t bytes) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f GiB", static_cast<double>(bytes) / (1u << 30));
  return text;
}

// How many ranks of the world share this rank's host.
int ranks_on_this_host(const Communicator& world) {
  MPI_Comm host = MPI_COMM_NULL;
  PT_MPI(MPI_Comm_split_type(world.handle(), MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &host));
  int size = 1;
  PT_MPI(MPI_Comm_size(host, &size));
  PT_MPI(MPI_Comm_free(&host));
  return size;
}

}  // namespace

MemoryPlan plan_trainer_memory(const TrainOptions& options, const Layout& layout,
                               const ProcessGrid& grid, const TokenSource& data) {
  MemoryTracker tracker(TrackerMode::kPlanOnly);
  Timeline timeline;
  { const Trainer dry_run(options, layout, grid, data, tracker, timeline); }
  MemoryPlan plan;
  plan.total_bytes = tracker.peak_total();
  for (int idx = 0; idx < kMemoryCategoryCount; ++idx) {
    const auto category = static_cast<MemoryCategory>(idx);
    plan.category_bytes[idx] = tracker.peak_bytes(category);
    if (plan.category_bytes[idx] > tracker.peak_bytes(plan.largest)) plan.largest = category;
  }
  return plan;
}

AvailableMemory available_memory() {
  AvailableMemory available{std::numeric_limits<size_t>::max(), "MemAvailable"};
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  size_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") {
      available.bytes = kib * 1024;
      break;
    }
  }
  // cgroup v2, then v1: the limit less what the group already uses.
  const std::pair<const char*, const char*> groups[] = {
      {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
      {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"}};
  for (const auto& [limit_path, usage_path] : groups) {
    const auto limit = read_cgroup_number(limit_path);
    if (!limit) continue;
    const size_t used = read_cgroup_number(usage_path).value_or(0);
    const size_t left = *limit > used ? *limit - used : 0;
    if (left < available.bytes) available = {left, limit_path};
    break;
  }
  return available;
}

MemoryCheck check_memory(const TrainOptions& options, const Layout& layout, const ProcessGrid& grid,
                         const TokenSource& data) {
  MemoryCheck check;
  check.plan = plan_trainer_memory(options, layout, grid, data);
  const MemoryPlan& plan = check.plan;
  const Communicator& world = grid.world();
  const int host_ranks = world.size() > 1 ? ranks_on_this_host(world) : 1;
  const AvailableMemory available = available_memory();
  const double needed = static_cast<double>(plan.total_bytes) * host_ranks;
  // The worst shortfall over the world decides, so every rank gives the same answer.
  double shortfall = needed - static_cast<double>(available.bytes);
  world.all_reduce_max(&shortfall, 1);
  if (shortfall <= 0) return check;
  std::ostringstream line;
  line << "the run needs " << gib(plan.total_bytes) << " per rank";
  if (host_ranks > 1) line << " x " << host_ranks << " ranks on this host";
  line << " but " << gib(available.bytes) << " is available (" << available.source
       << "); the largest part is " << memory_category_name(plan.largest) << " ("
       << gib(plan.category_bytes[static_cast<int>(plan.largest)])
       << " per rank); reduce --seq-len, --batch-size or the model, or split it over more ranks";
  check.refusal = line.str();
  return check;
}

}  // namespace paratrain
