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

// Each registers its subcommand; the chosen one is left in `chosen`.
void register_train_command(CLI::App& app, std::unique_ptr<Command>& chosen);
void register_bench_command(CLI::App& app, std::unique_ptr<Command>& chosen);
void register_verify_command(CLI::App& app, std::unique_ptr<Command>& chosen);

}  // namespace paratrain
