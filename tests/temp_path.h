#pragma once
// Temporary files of a test process: one fresh folder per process (mkdtemp),
// so tests that ctest runs in parallel never write the same file. Each ctest
// test is its own process (gtest_discover_tests), so a name used by one test
// is its own. The folder is removed when the process ends.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace paratrain::testing {

class ProcessTempDir {
 public:
  ProcessTempDir() {
    std::string pattern = std::string(::testing::TempDir()) + "paratrain_" + std::to_string(getpid()) + "_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~ProcessTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline const std::string& process_temp_dir() {
  static const ProcessTempDir dir;
  return dir.path();
}

// A path in this process's folder; `name` keeps the files of one test apart.
inline std::string temp_path(const std::string& name) { return process_temp_dir() + "/" + name; }

}  // namespace paratrain::testing
