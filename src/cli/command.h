#pragma once
// A subcommand once its flags are parsed. prepare() checks everything that can
// be checked before ranks talk to each other and throws UsageError for bad
// input; main() makes every rank agree on the outcome, so a refused run ends
// on all ranks with one line from one rank. run() does the work.
#include <CLI/CLI.hpp>
#include <memory>

#include "comm/communicator.h"

namespace paratrain {

class Command {
 public:
  virtual ~Command() = default;
  virtual void prepare(int world_size) = 0;
  virtual int run(const Communicator& world) = 0;
};

// A subcommand that runs in one process without MPI (sweep, report, study):
// it must not initialise MPI, because the mpirun jobs it starts would inherit
// the singleton's environment and fail.
class LocalCommand {
 public:
  virtual ~LocalCommand() = default;
  // Checks the input (UsageError with one line, exit code 2) and does the work.
  virtual int run() = 0;
};

// Each registers its subcommand; the chosen one is left in `chosen`.
void register_train_command(CLI::App& app, std::unique_ptr<Command>& chosen);
void register_bench_command(CLI::App& app, std::unique_ptr<Command>& chosen);
void register_verify_command(CLI::App& app, std::unique_ptr<Command>& chosen);
void register_calibrate_command(CLI::App& app, std::unique_ptr<Command>& chosen);
// Registration of the local subcommands goes through register_local_commands()
// in local_commands.cpp.
void register_local_commands(CLI::App& app, std::unique_ptr<LocalCommand>& chosen);

}  // namespace paratrain
