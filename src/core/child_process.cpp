#include "core/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
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

pid_t spawn(const ChildRequest& request, const Pipe& out, const Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, 1);
  posix_spawn_file_actions_adddup2(&actions, request.merge_stderr ? out.write_end : err.write_end, 2);
  if (!request.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, request.working_dir.c_str());
  }
  std::vector<char*> args;
  for (const auto& arg : request.argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // Its own process group, so a timeout or an interrupted parent stops the
  // whole job (an mpirun and its ranks), not only its first process.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = -1;
  const int status = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (status == 0) set_child_process_group(pid);
  if (status != 0) {
    throw std::runtime_error("cannot start " + request.argv[0] + ": " + std::strerror(status));
  }
  return pid;
}

// Drains both pipes until they close, signalling the child when time runs out.
void collect(pid_t pid, int out_fd, int err_fd, double timeout_s, ChildResult& result) {
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

ChildResult run_child(const ChildRequest& request) {
  if (request.argv.empty()) throw std::runtime_error("run_child: no program given");
  Pipe out, err;
  pid_t pid = -1;
  try {
    pid = spawn(request, out, err);
  } catch (...) {
    for (int fd : {out.read_end, out.write_end, err.read_end, err.write_end}) close(fd);
    throw;
  }
  close(out.write_end);
  close(err.write_end);
  ChildResult result;
  collect(pid, out.read_end, err.read_end, request.timeout_s, result);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  set_child_process_group(0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
      return candidate.string();
    }
  }
  return "";
}

}  // namespace paratrain
