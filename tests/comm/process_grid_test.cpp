// The rank grid as a pure function, over many cluster shapes, no MPI.
#include "comm/process_grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"

namespace paratrain {
namespace {

constexpr Axis kAxes[] = {Axis::kData, Axis::kPipeline, Axis::kTensor};

// Every dp, pp, tp in 1..4, plus a few cluster-sized shapes.
std::vector<GridShape> shapes_to_test() {
  std::vector<GridShape> shapes;
  for (int dp = 1; dp <= 4; ++dp) {
    for (int pp = 1; pp <= 4; ++pp) {
      for (int tp = 1; tp <= 4; ++tp) shapes.push_back({dp, pp, tp});
    }
  }
  shapes.push_back({8, 4, 8});
  shapes.push_back({16, 2, 8});
  shapes.push_back({1, 16, 8});
  shapes.push_back({64, 1, 1});
  shapes.push_back({3, 5, 7});
  return shapes;
}

std::string describe(const GridShape& shape) {
  return std::to_string(shape.dp) + "x" + std::to_string(shape.pp) + "x" + std::to_string(shape.tp);
}

bool same_except(const GridCoord& a, const GridCoord& b, Axis axis) {
  return (axis == Axis::kData || a.dp == b.dp) && (axis == Axis::kPipeline || a.pp == b.pp) &&
         (axis == Axis::kTensor || a.tp == b.tp);
}

TEST(ProcessGrid, CoordAndRankRoundTrip) {
  for (const GridShape& shape : shapes_to_test()) {
    SCOPED_TRACE(describe(shape));
    for (int rank = 0; rank < shape.world(); ++rank) {
      const GridCoord coord = coord_of(shape, rank);
      EXPECT_GE(coord.dp, 0);
      EXPECT_LT(coord.dp, shape.dp);
      EXPECT_GE(coord.pp, 0);
      EXPECT_LT(coord.pp, shape.pp);
      EXPECT_GE(coord.tp, 0);
      EXPECT_LT(coord.tp, shape.tp);
      EXPECT_EQ(rank_of(shape, coord), rank);
      EXPECT_EQ(rank, (coord.pp * shape.dp + coord.dp) * shape.tp + coord.tp);
    }
  }
}

TEST(ProcessGrid, TensorFastestThenDataThenPipeline) {
  const GridShape shape{2, 3, 4};
  // Consecutive ranks differ in tp first: a tensor group sits on one machine.
  EXPECT_EQ(rank_of(shape, {0, 0, 1}), 1);
  EXPECT_EQ(rank_of(shape, {0, 0, 3}), 3);
  EXPECT_EQ(rank_of(shape, {1, 0, 0}), 4);
  EXPECT_EQ(rank_of(shape, {0, 1, 0}), 8);
  EXPECT_EQ(rank_of(shape, {1, 2, 3}), 23);
  for (const GridShape& any : shapes_to_test()) {
    SCOPED_TRACE(describe(any));
    for (int rank = 0; rank + 1 < any.world(); ++rank) {
      const GridCoord here = coord_of(any, rank), next = coord_of(any, rank + 1);
      if (here.tp + 1 < any.tp) {
        EXPECT_EQ(next.tp, here.tp + 1);
        EXPECT_TRUE(same_except(here, next, Axis::kTensor));
      } else if (here.dp + 1 < any.dp) {
        EXPECT_EQ(next.dp, here.dp + 1);
        EXPECT_EQ(next.tp, 0);
        EXPECT_EQ(next.pp, here.pp);
      } else {
        EXPECT_EQ(next.pp, here.pp + 1);
        EXPECT_EQ(next.dp, 0);
        EXPECT_EQ(next.tp, 0);
      }
    }
  }
}

// Each group holds the ranks with the caller's other coordinates, one per
// index of the axis, in index order.
TEST(ProcessGrid, GroupsVaryOnlyTheirAxisInOrder) {
  for (const GridShape& shape : shapes_to_test()) {
    SCOPED_TRACE(describe(shape));
    for (int rank = 0; rank < shape.world(); ++rank) {
      const GridCoord mine = coord_of(shape, rank);
      for (Axis axis : kAxes) {
        const std::vector<int> group = group_ranks(shape, rank, axis);
        ASSERT_EQ(static_cast<int>(group.size()), axis_size(shape, axis));
        EXPECT_EQ(group[static_cast<size_t>(axis_index(mine, axis))], rank);
        for (size_t position = 0; position < group.size(); ++position) {
          const GridCoord member = coord_of(shape, group[position]);
          EXPECT_EQ(axis_index(member, axis), static_cast<int>(position));
          EXPECT_TRUE(same_except(member, mine, axis));
        }
      }
    }
  }
}

// Along each axis the groups partition the world: every rank is in exactly
// one group, and every member of a group names the same group.
TEST(ProcessGrid, GroupsPartitionTheWorld) {
  for (const GridShape& shape : shapes_to_test()) {
    SCOPED_TRACE(describe(shape));
    for (Axis axis : kAxes) {
      std::vector<int> times_seen(static_cast<size_t>(shape.world()), 0);
      for (int rank = 0; rank < shape.world(); ++rank) {
        const std::vector<int> group = group_ranks(shape, rank, axis);
        for (int member : group) EXPECT_EQ(group_ranks(shape, member, axis), group);
        // Count each group once, from its smallest member.
        if (*std::min_element(group.begin(), group.end()) == rank) {
          for (int member : group) ++times_seen[static_cast<size_t>(member)];
        }
      }
      for (int seen : times_seen) EXPECT_EQ(seen, 1);
    }
  }
}

TEST(ProcessGrid, AxisNamesAndSizes) {
  const GridShape shape{2, 3, 4};
  EXPECT_EQ(axis_size(shape, Axis::kData), 2);
  EXPECT_EQ(axis_size(shape, Axis::kPipeline), 3);
  EXPECT_EQ(axis_size(shape, Axis::kTensor), 4);
  EXPECT_STREQ(axis_name(Axis::kData), "dp");
  EXPECT_STREQ(axis_name(Axis::kPipeline), "pp");
  EXPECT_STREQ(axis_name(Axis::kTensor), "tp");
}

std::string usage_message(const GridShape& shape, int world_size) {
  try {
    check_grid(shape, world_size);
  } catch (const UsageError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  return "(no error)";
}

TEST(ProcessGrid, CheckGridAcceptsMatchingWorld) {
  for (const GridShape& shape : shapes_to_test()) {
    EXPECT_NO_THROW(check_grid(shape, shape.world())) << describe(shape);
  }
}

TEST(ProcessGrid, CheckGridMessages) {
  EXPECT_EQ(usage_message({0, 1, 1}, 1), "--dp must be at least 1");
  EXPECT_EQ(usage_message({1, 0, 1}, 1), "--pp must be at least 1");
  EXPECT_EQ(usage_message({1, 1, -2}, 1), "--tp must be at least 1");
  EXPECT_EQ(usage_message({2, 1, 1}, 3),
            "world size 3 must equal dp x pp x tp = 2 x 1 x 1 = 2 (start with mpirun -np 2)");
  EXPECT_EQ(usage_message({2, 2, 2}, 1),
            "world size 1 must equal dp x pp x tp = 2 x 2 x 2 = 8 (start with mpirun -np 8)");
}

TEST(ProcessGrid, OutOfRangeIsAnError) {
  const GridShape shape{2, 2, 2};
  EXPECT_THROW(coord_of(shape, 8), std::runtime_error);
  EXPECT_THROW(coord_of(shape, -1), std::runtime_error);
  EXPECT_THROW(rank_of(shape, {2, 0, 0}), std::runtime_error);
}

}  // namespace
}  // namespace paratrain
