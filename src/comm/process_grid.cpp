#include "comm/process_grid.h"

#include <string>

#include "core/error.h"

namespace paratrain {

int axis_size(const GridShape& shape, Axis axis) {
  switch (axis) {
    case Axis::kData:
      return shape.dp;
    case Axis::kPipeline:
      return shape.pp;
    case Axis::kTensor:
      return shape.tp;
  }
  PT_CHECK(false, "unknown Axis");
  return 0;
}

int axis_index(const GridCoord& coord, Axis axis) {
  switch (axis) {
    case Axis::kData:
      return coord.dp;
    case Axis::kPipeline:
      return coord.pp;
    case Axis::kTensor:
      return coord.tp;
  }
  PT_CHECK(false, "unknown Axis");
  return 0;
}

const char* axis_name(Axis axis) {
  switch (axis) {
    case Axis::kData:
      return "dp";
    case Axis::kPipeline:
      return "pp";
    case Axis::kTensor:
      return "tp";
  }
  return "?";
}

GridCoord coord_of(const GridShape& shape, int rank) {
  PT_CHECK(rank >= 0 && rank < shape.world(),
           "rank " + std::to_string(rank) + " outside a grid of " + std::to_string(shape.world()));
  GridCoord coord;
  coord.tp = rank % shape.tp;
  coord.dp = (rank / shape.tp) % shape.dp;
  coord.pp = rank / (shape.tp * shape.dp);
  return coord;
}

int rank_of(const GridShape& shape, const GridCoord& coord) {
  PT_CHECK(coord.dp >= 0 && coord.dp < shape.dp && coord.pp >= 0 && coord.pp < shape.pp &&
               coord.tp >= 0 && coord.tp < shape.tp,
           "coordinate outside the grid");
  return (coord.pp * shape.dp + coord.dp) * shape.tp + coord.tp;
}

static void set_axis_index(GridCoord& coord, Axis axis, int index) {
  switch (axis) {
    case Axis::kData:
      coord.dp = index;
      break;
    case Axis::kPipeline:
      coord.pp = index;
      break;
    case Axis::kTensor:
      coord.tp = index;
      break;
  }
}

std::vector<int> group_ranks(const GridShape& shape, int rank, Axis axis) {
  GridCoord coord = coord_of(shape, rank);
  std::vector<int> ranks;
  ranks.reserve(static_cast<size_t>(axis_size(shape, axis)));
  for (int index = 0; index < axis_size(shape, axis); ++index) {
    set_axis_index(coord, axis, index);
    ranks.push_back(rank_of(shape, coord));
  }
  return ranks;
}

void check_grid(const GridShape& shape, int world_size) {
  for (Axis axis : {Axis::kData, Axis::kPipeline, Axis::kTensor}) {
    if (axis_size(shape, axis) < 1) {
      throw UsageError(std::string("--") + axis_name(axis) + " must be at least 1");
    }
  }
  if (world_size != shape.world()) {
    const std::string world = std::to_string(shape.world());
    throw UsageError("world size " + std::to_string(world_size) +
                     " must equal dp x pp x tp = " + std::to_string(shape.dp) + " x " +
                     std::to_string(shape.pp) + " x " + std::to_string(shape.tp) + " = " + world +
                     " (start with mpirun -np " + world + ")");
  }
}

}  // namespace paratrain
