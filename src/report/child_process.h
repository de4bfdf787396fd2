#pragma once
// Runs a program as a child process without a shell, so no file name in the
// arguments is ever interpreted as shell syntax.
#include <string>
#include <vector>

namespace paratrain::report {

struct ChildResult {
  int exit_code = -1;  // -1: could not start, or ended by a signal
  std::string output;  // stdout and stderr together
};

// Looks `program` up on PATH; returns the full path or an empty string.
std::string find_on_path(const std::string& program);

// Runs argv[0] (a path) with the arguments in `working_dir`, waits for it.
ChildResult run_child(const std::vector<std::string>& argv, const std::string& working_dir);

}  // namespace paratrain::report
