#pragma once
// Runs a program as a child process, without a shell (no file name in the
// arguments is ever read as shell syntax), and captures what it says. The
// sweep launches each point this way, the report runs gnuplot this way.
#include <string>
#include <vector>

namespace paratrain {

struct ChildRequest {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up on PATH
  std::string working_dir;        // empty: this process's
  double timeout_s = 0;           // 0: none; past it SIGTERM, 5 s later SIGKILL
  bool merge_stderr = false;      // stderr into `out`, interleaved as written
};

struct ChildResult {
  int exit_code = -1;  // the child's status; 128 + signal if a signal ended it
  bool timed_out = false;
  std::string out;  // all of stdout (and stderr when merged)
  std::string err;  // the tail of stderr (the last 64 KiB or more)
};

// Starts the child with stdin on /dev/null and waits for it. Throws
// std::runtime_error only if the child cannot be started (no such program,
// no such working directory).
ChildResult run_child(const ChildRequest& request);

// Looks `program` up on PATH; returns the full path or an empty string.
std::string find_on_path(const std::string& program);

}  // namespace paratrain
