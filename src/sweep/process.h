#pragma once
// What the sweep needs around a point's job (run by core/child_process.h):
// the line that says why it failed, and the binary to launch.
#include <string>

namespace paratrain {

// The line that says why a run failed: the last "paratrain:" line of its
// stderr (mpirun adds its own lines after it), else the last non-empty one.
std::string failure_line(const std::string& err);

// This executable, resolved through /proc/self/exe.
std::string self_executable();

}  // namespace paratrain
