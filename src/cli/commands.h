#pragma once
// Each subcommand registers its flags and, when chosen, sets `action`.
#include <CLI/CLI.hpp>
#include <functional>

namespace paratrain {

void register_train_command(CLI::App& app, std::function<int()>& action);
void register_bench_command(CLI::App& app, std::function<int()>& action);
void register_verify_command(CLI::App& app, std::function<int()>& action);

}  // namespace paratrain
