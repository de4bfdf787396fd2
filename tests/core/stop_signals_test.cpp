// Stop signals: one line and 128 + n; after the program has decided its exit
// (a refusal every rank agreed on), a SIGTERM from mpirun is quiet and keeps
// the decided code (RefusedLayouts once saw a second line, "stopped by SIGTERM").
#include "core/stop_signals.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

namespace paratrain {
namespace {

struct Ended {
  int exit_code = -1;
  std::string stderr_text;
};

// Forks a child that installs the handlers, maybe decides its exit, and is sent SIGTERM.
Ended stop_child(int decided_exit) {
  int pipe_ends[2];
  if (pipe(pipe_ends) != 0) return {};
  const pid_t child = fork();
  if (child == 0) {
    dup2(pipe_ends[1], STDERR_FILENO);
    close(pipe_ends[0]);
    install_stop_handlers(true);
    if (decided_exit != 0) end_quietly_on_stop(decided_exit);
    raise(SIGTERM);
    _exit(99);  // not reached
  }
  close(pipe_ends[1]);
  Ended ended;
  char buffer[256];
  ssize_t got = 0;
  while ((got = read(pipe_ends[0], buffer, sizeof buffer)) > 0) ended.stderr_text.append(buffer, got);
  close(pipe_ends[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ended.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ended;
}

TEST(StopSignals, SigtermSaysSoAndExits143) {
  const Ended ended = stop_child(0);
  EXPECT_EQ(ended.exit_code, 128 + SIGTERM);
  EXPECT_EQ(ended.stderr_text, "paratrain: stopped by SIGTERM\n");
}

TEST(StopSignals, AfterADecidedExitSigtermIsQuietAndKeepsTheCode) {
  const Ended ended = stop_child(2);
  EXPECT_EQ(ended.exit_code, 2);
  EXPECT_EQ(ended.stderr_text, "");
}

}  // namespace
}  // namespace paratrain
