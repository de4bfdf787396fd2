#pragma once
// Flags shared by the subcommands: the model configuration, the optimizer,
// the data and the rank's threads.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "io/token_source.h"
#include "parallel/trainer.h"

namespace paratrain {

struct CommonFlags {
  TrainOptions train;
  std::string data_path;  // empty: synthetic tokens
  int threads = 1;
};

// Adds --vocab-size ... --batch-size, --lr, --seed, --data, --threads, --micro-batch.
void add_model_flags(CLI::App& app, CommonFlags& flags);
void add_run_flags(CLI::App& app, CommonFlags& flags);

// Validates everything up front (UsageError naming the flag), sets the BLAS
// threads and returns the token source.
std::unique_ptr<TokenSource> prepare_run(const CommonFlags& flags);

}  // namespace paratrain
