// Issue 14's flaky test: every distributed test process wrote the same fixed
// temp file while ctest -j ran them in parallel. Each process now has its own folder.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "../temp_path.h"

namespace paratrain {

TEST(TempPaths, EachProcessHasItsOwnFolder) {
  int ends[2];
  ASSERT_EQ(pipe(ends), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // a fresh process, as ctest starts one per test
    const std::string& dir = testing::process_temp_dir();
    const ssize_t written = write(ends[1], dir.data(), dir.size());
    _exit(written == static_cast<ssize_t>(dir.size()) ? 0 : 1);
  }
  close(ends[1]);
  char buffer[4096];
  const ssize_t got = read(ends[0], buffer, sizeof buffer);
  close(ends[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_GT(got, 0);
  const std::string child_dir(buffer, static_cast<size_t>(got));
  EXPECT_NE(child_dir, testing::process_temp_dir());
  EXPECT_TRUE(std::filesystem::is_directory(testing::process_temp_dir()));
  EXPECT_NE(testing::temp_path("a"), testing::temp_path("b"));
  std::filesystem::remove_all(child_dir);  // the child left with _exit, before its cleanup
}

}  // namespace paratrain
