#pragma once
// Runs the paratrain binary (or any shell command) and captures what it says.
#include <sys/wait.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace paratrain::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk{};
  size_t got = 0;
  while ((got = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) result.output.append(chunk.data(), got);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// stdout apart, stderr to a file read afterwards: for a record that must
// arrive whole. Under mpirun the other ranks' stderr is forwarded in chunks
// that can land inside rank 0's long record line when both share one pipe.
struct SplitResult {
  int exit_code = -1;
  std::string stdout_text;
  std::string output;  // stdout, then stderr
};

inline SplitResult run_command_split(const std::string& command) {
  SplitResult result;
  char path[] = "/tmp/paratrain_test_stderr_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return result;
  close(fd);
  FILE* pipe = popen(("(" + command + ") 2>" + path).c_str(), "r");
  if (pipe != nullptr) {
    std::array<char, 4096> chunk{};
    size_t got = 0;
    while ((got = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) result.stdout_text.append(chunk.data(), got);
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::ifstream err(path);
  std::stringstream err_text;
  err_text << err.rdbuf();
  result.output = result.stdout_text + err_text.str();
  std::remove(path);
  return result;
}

inline CommandResult run_paratrain(const std::string& arguments) {
  return run_command(std::string(PARATRAIN_BINARY) + " " + arguments);
}

// The losses of train's "step N | loss X |" lines, in order.
inline std::vector<double> losses_of(const std::string& output) {
  std::vector<double> losses;
  const std::regex line(R"(step (\d+) \| loss ([0-9.]+) \|)");
  for (std::sregex_iterator it(output.begin(), output.end(), line), end; it != end; ++it) {
    losses.push_back(std::stod((*it)[2]));
  }
  return losses;
}

// The last line that is a JSON object: bench's record. Under mpirun, stderr
// lines of other ranks may arrive after it.
inline std::string last_json_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    const size_t begin = text.rfind('\n', end - 1);
    const size_t start = begin == std::string::npos ? 0 : begin + 1;
    if (start < text.size() && text[start] == '{') return text.substr(start, end - start);
    if (begin == std::string::npos) break;
    end = begin;
  }
  return "";
}

}  // namespace paratrain::testing
