#pragma once
// `paratrain report RESULTS.jsonl --out DIR`: report.md and figures from a sweep.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/command.h"

namespace paratrain {

void register_report_command(CLI::App& app, std::unique_ptr<LocalCommand>& chosen);

}  // namespace paratrain
