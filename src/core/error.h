#pragma once
// Errors. Two kinds, as the project's rules ask:
//  - UsageError: something the user gave is wrong (a flag, a file, a layout).
//    It carries the exit code the command should return (2 by default) and a
//    one-line message naming what is wrong.
//  - std::runtime_error (via PT_CHECK): a library call or an invariant failed
//    at run time; the message names the call site.
#include <stdexcept>
#include <string>

namespace paratrain {

class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message, int exit_code = 2)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

[[noreturn]] void fail_check(const char* file, int line, const std::string& what);

}  // namespace paratrain

#define PT_STRINGIFY2(x) #x
#define PT_STRINGIFY(x) PT_STRINGIFY2(x)

// Checks a run-time condition; on failure throws with the call site and message.
#define PT_CHECK(cond, message)                                          \
  do {                                                                   \
    if (!(cond)) ::paratrain::fail_check(__FILE__, __LINE__, (message)); \
  } while (0)
