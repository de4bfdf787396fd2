// The one child-process runner (sweep points, gnuplot): output captured,
// working directory, exit codes, a hung child stopped at its timeout.
#include "core/child_process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "core/clock.h"

namespace paratrain {

TEST(ChildProcess, CapturesStdoutAndStderrApartOrMerged) {
  const ChildRequest apart{{"sh", "-c", "echo out; echo err >&2; exit 3"}, "", 0, false};
  const ChildResult split = run_child(apart);
  EXPECT_EQ(split.exit_code, 3);
  EXPECT_FALSE(split.timed_out);
  EXPECT_EQ(split.out, "out\n");
  EXPECT_EQ(split.err, "err\n");
  ChildRequest merged = apart;
  merged.merge_stderr = true;
  const ChildResult together = run_child(merged);
  EXPECT_EQ(together.out, "out\nerr\n");
  EXPECT_EQ(together.err, "");
}

TEST(ChildProcess, RunsInTheWorkingDirectoryWithStdinClosed) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  const ChildResult result = run_child({{"sh", "-c", "pwd; cat; echo done"}, dir, 0, false});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, std::filesystem::canonical(dir).string() + "\ndone\n");
}

TEST(ChildProcess, AHungChildIsStoppedAtItsTimeout) {
  const double start = now_seconds();
  const ChildResult result = run_child({{"sleep", "30"}, "", 0.3, false});
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, 128 + 15);  // SIGTERM
  EXPECT_LT(now_seconds() - start, 10.0);
}

TEST(ChildProcess, AProgramThatCannotStartThrows) {
  EXPECT_THROW(run_child({{"/nonexistent/program"}, "", 0, false}), std::runtime_error);
  EXPECT_THROW(run_child({{"true"}, "/nonexistent/dir", 0, false}), std::runtime_error);
  EXPECT_EQ(find_on_path("no-such-program-anywhere"), "");
  EXPECT_FALSE(find_on_path("sh").empty());
}

}  // namespace paratrain
