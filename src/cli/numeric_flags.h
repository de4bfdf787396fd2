#pragma once
// Every option that takes a number refuses an empty value ("" would be read
// as 0) and a value that is not a finite number (inf, nan, 1e999), with one
// line naming the flag (CLI11's ValidationError, exit 2).
#include <CLI/CLI.hpp>

namespace paratrain {

// Adds the check to each numeric option of `app` and of its subcommands;
// called once, after every subcommand has registered its flags.
void guard_numeric_flags(CLI::App& app);

}  // namespace paratrain
