#include "cli/run_setup.h"

#include <cstdio>

#include "parallel/partition_profile.h"

namespace paratrain {

MemoryCheck settle_run(const CommonFlags& flags, const ProcessGrid& grid, const TokenSource& data,
                       Layout& layout) {
  MemoryCheck memory = check_memory(flags.train, layout, grid, data);
  const bool measure =
      flags.layout.measure_partition && layout.model_stages() > 1 && layout.partition.empty();
  if (memory.refusal || !measure) return memory;
  const MeasuredPartition measured = measured_partition(flags.train.model, layout, grid.world());
  layout.partition = measured.partition;
  if (grid.world_rank() == 0) {
    const PartitionCosts& c = measured.costs;
    std::fprintf(stderr,
                 "paratrain: partition %s, balanced over measured ms per micro-batch (forward + "
                 "backward): embed %.3f, attention half %.3f, MLP half %.3f, head %.3f\n",
                 partition_text(layout.partition).c_str(), 1e3 * c.embed, 1e3 * c.attention,
                 1e3 * c.mlp, 1e3 * c.head);
  }
  return check_memory(flags.train, layout, grid, data);
}

}  // namespace paratrain
