// The checkpoint folders: FNV-1a 64, the .tmp-then-rename write, pruning,
// and which checkpoint --resume picks.
#include "io/checkpoint_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../temp_path.h"
#include "core/error.h"

namespace paratrain {

namespace {

void write_checkpoint(const std::string& dir, uint32_t step, const std::string& payload) {
  CheckpointWriter writer(dir, step);
  std::ofstream(writer.path_of("data.bin"), std::ios::binary) << payload;
  writer.add_file("data.bin");
  writer.commit({{"step", step}});
}

}  // namespace

TEST(CheckpointStore, Fnv1a64KnownValues) {
  EXPECT_EQ(fnv1a64("", 0), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a", 1), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar", 6), 0x85944171f73967e8ULL);
}

TEST(CheckpointStore, WritesPrunesAndChoosesTheNewestWhole) {
  const std::string dir = testing::temp_path("store");
  write_checkpoint(dir, 1, "one");
  write_checkpoint(dir, 2, "two");
  write_checkpoint(dir, 3, "three");
  prune_checkpoints(dir, 2);
  EXPECT_FALSE(std::filesystem::exists(dir + "/step-000001"));
  ChosenCheckpoint chosen = choose_checkpoint(dir);
  EXPECT_EQ(chosen.folder, dir + "/step-000003");
  EXPECT_EQ(chosen.manifest["step"], 3);
  EXPECT_TRUE(chosen.warnings.empty());
  {  // an unfinished write of step 4, and step 3 damaged: step 2, two warnings
    CheckpointWriter unfinished(dir, 4);
    std::filesystem::rename(dir + "/step-000004.tmp", dir + "/keep.tmp");
  }
  std::filesystem::rename(dir + "/keep.tmp", dir + "/step-000004.tmp");
  std::ofstream(dir + "/step-000003/data.bin", std::ios::binary) << "thref";
  chosen = choose_checkpoint(dir);
  EXPECT_EQ(chosen.folder, dir + "/step-000002");
  ASSERT_EQ(chosen.warnings.size(), 2u);
  EXPECT_NE(chosen.warnings[0].find("step-000004.tmp: an unfinished checkpoint write"), std::string::npos);
  EXPECT_NE(chosen.warnings[1].find("step-000003/data.bin fails its FNV-1a 64 checksum"), std::string::npos);
  // Named explicitly, the damaged one is refused.
  EXPECT_THROW(choose_checkpoint(dir + "/step-000003"), UsageError);
  EXPECT_THROW(choose_checkpoint(testing::temp_path("no_such_folder")), UsageError);
}

}  // namespace paratrain
