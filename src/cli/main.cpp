// paratrain: one command, a subcommand per job (DESIGN.md "The command").
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/numeric_flags.h"
#include "comm/communicator.h"
#include "comm/mpi_check.h"
#include "comm/mpi_session.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/stop_signals.h"

namespace {

using namespace paratrain;

bool has_subcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == name) return true;
  }
  return false;
}

// One rank failing alone must not leave the others waiting on it: it says
// who failed and why, and ends the whole job.
[[noreturn]] void abort_on_uncaught_exception() {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::string why = "unknown error";
  try {
    if (auto current = std::current_exception()) std::rethrow_exception(current);
  } catch (const std::exception& error) {
    why = error.what();
  } catch (...) {
  }
  std::fprintf(stderr, "paratrain: rank %d of %d failed: %s\n", rank, size, why.c_str());
  std::fflush(stderr);
  MpiSession::abort_job(3);
}

// Every rank learns whether any rank refused its input; the lowest refusing
// rank says why, in one line, and all return its exit code.
int agree_on_refusal(const Communicator& world, int exit_code, const std::string& message) {
  int worst = exit_code;
  PT_MPI(MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, world.handle()));
  if (worst == 0) return 0;
  int speaker = exit_code != 0 ? world.rank() : INT_MAX;
  PT_MPI(MPI_Allreduce(MPI_IN_PLACE, &speaker, 1, MPI_INT, MPI_MIN, world.handle()));
  if (world.rank() == speaker) std::fprintf(stderr, "paratrain: error: %s\n", message.c_str());
  // The first rank to exit makes mpirun stop the others; that is not news.
  end_quietly_on_stop(worst);
  return worst;
}

int run_command(Command& command, const Communicator& world) {
  int exit_code = 0;
  std::string message;
  try {
    command.prepare(world.size());
  } catch (const UsageError& error) {
    exit_code = error.exit_code();
    message = error.what();
  }
  exit_code = agree_on_refusal(world, exit_code, message);
  if (exit_code != 0) return exit_code;
  if (world.size() > 1) {
    // No catch here: an exception nobody catches reaches std::terminate before
    // any destructor runs, so a rank never waits on its peers while unwinding.
    std::set_terminate(abort_on_uncaught_exception);
    return command.run(world);
  }
  try {
    return command.run(world);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "paratrain: rank 0 of 1 failed: %s\n", error.what());
    const auto* usage = dynamic_cast<const UsageError*>(&error);
    return usage != nullptr ? usage->exit_code() : 3;
  }
}

int run_local_command(LocalCommand& command) {
  try {
    return command.run();
  } catch (const UsageError& error) {
    std::fprintf(stderr, "paratrain: error: %s\n", error.what());
    return error.exit_code();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "paratrain: failed: %s\n", error.what());
    return 3;
  }
}

// Under mpirun every rank parses the same arguments; only rank 0 speaks.
bool is_rank_zero() {
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  if (rank == nullptr) rank = std::getenv("PMI_RANK");
  return rank == nullptr || std::string(rank) == "0";
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();
  const bool speaks = is_rank_zero();
  CLI::App app{"paratrain: train a Transformer under every parallel layout and measure it"};
  app.require_subcommand(1);
  // A flag given twice takes its last value, so scripts can override defaults.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::unique_ptr<Command> command;
  register_train_command(app, command);
  register_bench_command(app, command);
  register_verify_command(app, command);
  register_calibrate_command(app, command);
  std::unique_ptr<LocalCommand> local_command;
  register_local_commands(app, local_command);
  guard_numeric_flags(app);
  if (argc > 1 && argv[1][0] != '-' && !has_subcommand(app, argv[1])) {
    if (speaks) {
      std::string names;
      for (const CLI::App* sub : app.get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
      std::fprintf(stderr, "paratrain: error: unknown subcommand '%s' (expected one of: %s)\n",
                   argv[1], names.c_str());
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
  install_stop_handlers(speaks);
  if (local_command) return run_local_command(*local_command);
  MpiSession mpi(&argc, &argv);
  install_stop_handlers(speaks);  // again, in case the MPI library installed its own
  const Communicator world = Communicator::world();
  return run_command(*command, world);
}
