// The subcommands that run without MPI: each registers here.
#include "cli/command.h"

namespace paratrain {

void register_local_commands(CLI::App& /*app*/, std::unique_ptr<LocalCommand>& /*chosen*/) {}

}  // namespace paratrain
