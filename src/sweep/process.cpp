#include "sweep/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/clock.h"
#include "core/stop_signals.h"

extern char** environ;

namespace paratrain {

namespace {

constexpr size_t kErrTailBytes = 64 * 1024;
constexpr double kGraceSeconds = 5.0;  // between SIGTERM and SIGKILL

struct Pipe {
  int read_end = -1, write_end = -1;
  Pipe() {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    read_end = ends[0];
    write_end = ends[1];
  }
};

pid_t spawn(const std::vector<std::string>& argv, const Pipe& out, const Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, 2);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // Its own process group: an interrupted sweep stops the whole job (core/stop_signals.h).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = -1;
  const int status = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (status == 0) set_child_process_group(pid);
  if (status != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(status));
  return pid;
}

// Drains both pipes until they close, signalling the child when time runs out.
void collect(pid_t pid, int out_fd, int err_fd, double timeout_s, ProcessResult& result) {
  std::array<pollfd, 2> fds{{{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}}};
  const double start = now_seconds();
  int open_count = 2;
  bool terminated = false, killed = false;
  std::array<char, 8192> chunk{};
  while (open_count > 0) {
    if (poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) break;
    for (auto& fd : fds) {
      if (fd.fd < 0 || (fd.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = read(fd.fd, chunk.data(), chunk.size());
      if (got <= 0) {
        close(fd.fd);
        fd.fd = -1;
        --open_count;
        continue;
      }
      std::string& sink = fd.fd == out_fd ? result.out : result.err;
      sink.append(chunk.data(), static_cast<size_t>(got));
      if (&sink == &result.err && sink.size() > 2 * kErrTailBytes) sink.erase(0, sink.size() - kErrTailBytes);
    }
    const double elapsed = now_seconds() - start;
    if (timeout_s > 0 && elapsed > timeout_s && !terminated) {
      result.timed_out = terminated = true;
      kill(-pid, SIGTERM);
    }
    if (terminated && !killed && elapsed > timeout_s + kGraceSeconds) {
      killed = true;
      kill(-pid, SIGKILL);
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s) {
  Pipe out, err;
  const pid_t pid = spawn(argv, out, err);
  close(out.write_end);
  close(err.write_end);
  ProcessResult result;
  collect(pid, out.read_end, err.read_end, timeout_s, result);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  set_child_process_group(0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.timed_out) {
    result.err += "\nparatrain: sweep: the point ran past " + std::to_string(timeout_s) + " s and was stopped\n";
  }
  return result;
}

std::string failure_line(const std::string& err) {
  std::string last, last_paratrain;
  size_t begin = 0;
  while (begin < err.size()) {
    size_t end = err.find('\n', begin);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(begin, end - begin);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) last = line;
    // A rank stopped by mpirun after another rank failed says so; the failure is the reason.
    const bool stopped = line.rfind("paratrain: stopped by", 0) == 0;
    if (line.rfind("paratrain:", 0) == 0 && !(stopped && !last_paratrain.empty())) last_paratrain = line;
    begin = end + 1;
  }
  return last_paratrain.empty() ? last : last_paratrain;
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

}  // namespace paratrain
