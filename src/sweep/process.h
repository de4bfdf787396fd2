#pragma once
// Runs a child process to completion and captures what it says: how the
// sweep launches each point as its own job.
#include <string>
#include <vector>

namespace paratrain {

struct ProcessResult {
  int exit_code = -1;  // the child's status; 128 + signal if a signal ended it
  bool timed_out = false;
  std::string out;  // all of stdout
  std::string err;  // the tail of stderr
};

// posix_spawnp(argv[0]) with stdout and stderr piped back, stdin closed.
// After `timeout_s` seconds (0: none) the child gets SIGTERM, then SIGKILL.
// Throws std::runtime_error only if the child cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s);

// The line that says why a run failed: the last "paratrain:" line of its
// stderr (mpirun adds its own lines after it), else the last non-empty one.
std::string failure_line(const std::string& err);

// This executable, resolved through /proc/self/exe.
std::string self_executable();

}  // namespace paratrain
