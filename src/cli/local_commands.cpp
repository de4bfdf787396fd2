// The subcommands that run without MPI: each registers here.
#include "cli/command.h"
#include "cli/report_command.h"

namespace paratrain {

void register_sweep_command(CLI::App& app, std::unique_ptr<LocalCommand>& chosen);
void register_study_command(CLI::App& app, std::unique_ptr<LocalCommand>& chosen);
void register_plan_command(CLI::App& app, std::unique_ptr<LocalCommand>& chosen);

void register_local_commands(CLI::App& app, std::unique_ptr<LocalCommand>& chosen) {
  register_sweep_command(app, chosen);
  register_report_command(app, chosen);
  register_study_command(app, chosen);
  register_plan_command(app, chosen);
}

}  // namespace paratrain
