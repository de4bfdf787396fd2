#pragma once
// The rank grid as a pure function: which (dp, pp, tp) coordinate a world rank
// holds and which ranks share each axis group. No MPI here, so every cluster
// shape can be tested without starting a process (Megatron's habit).
#include <vector>

namespace paratrain {

enum class Axis { kData, kPipeline, kTensor };

struct GridShape {
  int dp = 1, pp = 1, tp = 1;
  int world() const { return dp * pp * tp; }
  bool operator==(const GridShape&) const = default;
};

struct GridCoord {
  int dp = 0, pp = 0, tp = 0;
  bool operator==(const GridCoord&) const = default;
};

// The size of the grid along `axis` (shape.dp for Axis::kData, ...).
int axis_size(const GridShape& shape, Axis axis);
// The coordinate's index along `axis`.
int axis_index(const GridCoord& coord, Axis axis);
const char* axis_name(Axis axis);  // "dp", "pp", "tp"

// tp varies fastest, then dp, then pp: rank = (pp * dp_size + dp) * tp_size + tp
// (tensor-parallel groups sit on one machine).
GridCoord coord_of(const GridShape& shape, int rank);
int rank_of(const GridShape& shape, const GridCoord& coord);
// World ranks of `rank`'s group along `axis`, ordered by that axis's index
// (so position i is the rank with axis index i).
std::vector<int> group_ranks(const GridShape& shape, int rank, Axis axis);
// UsageError unless every size >= 1 ("--dp must be at least 1") and
// world_size == shape.world() ("world size 3 must equal dp x pp x tp = 2 x 1 x 1 = 2
// (start with mpirun -np 2)").
void check_grid(const GridShape& shape, int world_size);

}  // namespace paratrain
