// paratrain: one command, a subcommand per job (DESIGN.md "The command").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>

#include "cli/commands.h"
#include "comm/mpi_session.h"
#include "core/error.h"
#include "core/memory.h"

namespace {

bool has_subcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == name) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace paratrain;
  keep_freed_memory();
  MpiSession mpi(&argc, &argv);
  CLI::App app{"paratrain: train a Transformer under every parallel layout and measure it"};
  app.require_subcommand(1);
  std::function<int()> action;
  register_train_command(app, action);
  register_bench_command(app, action);
  register_verify_command(app, action);
  const bool speaks = mpi.world_rank() == 0;
  if (argc > 1 && argv[1][0] != '-' && !has_subcommand(app, argv[1])) {
    if (speaks) {
      std::fprintf(stderr, "paratrain: error: unknown subcommand '%s' (expected train, bench or verify)\n", argv[1]);
    }
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return speaks ? app.exit(error) : 0;  // --help
    if (speaks) std::fprintf(stderr, "paratrain: error: %s\n", error.what());
    return 2;
  }
  try {
    return action();
  } catch (const UsageError& error) {
    if (speaks) std::fprintf(stderr, "paratrain: error: %s\n", error.what());
    return error.exit_code();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "paratrain: rank %d failed: %s\n", mpi.world_rank(), error.what());
    std::fflush(stderr);
    MpiSession::abort_job(3);
  }
}
