#include "core/stop_signals.h"

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <initializer_list>

namespace paratrain {

namespace {

volatile sig_atomic_t g_speaks = 1;
volatile sig_atomic_t g_child_group = 0;
volatile sig_atomic_t g_decided_exit = 0;  // 0: none decided; else the exit code

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

// Only async-signal-safe calls: kill, write, _exit.
void on_stop_signal(int signal_number) {
  const pid_t child = g_child_group;
  if (child > 0) ::kill(-child, SIGTERM);
  if (g_decided_exit != 0) ::_exit(g_decided_exit);
  if (g_speaks) {
    char line[96] = "paratrain: stopped by ";
    std::strncat(line, signal_name(signal_number), sizeof(line) - std::strlen(line) - 2);
    std::strncat(line, "\n", sizeof(line) - std::strlen(line) - 1);
    const ssize_t ignored = ::write(STDERR_FILENO, line, std::strlen(line));
    (void)ignored;
  }
  ::_exit(128 + signal_number);
}

}  // namespace

void install_stop_handlers(bool speaks) {
  g_speaks = speaks ? 1 : 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal_number, &action, nullptr);
}

void end_quietly_on_stop(int exit_code) { g_decided_exit = exit_code; }

void set_child_process_group(pid_t group) { g_child_group = group; }

}  // namespace paratrain
