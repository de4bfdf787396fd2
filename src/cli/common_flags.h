#pragma once
// Flags shared by the subcommands: the model configuration, the optimizer,
// the data, the layout and the rank's threads.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "io/token_source.h"
#include "parallel/layout.h"
#include "parallel/trainer.h"

namespace paratrain {

struct LayoutFlags {
  Layout layout;
  std::string schedule = "1f1b";
  std::string partition = "measured";  // "measured", "modelled" or a partition ("2,2", "embed+1.5|2.5+head")
  bool measure_partition = false;      // resolved: train and bench profile the units (cli/run_setup.h)
  double bucket_mb = 4.0;
  int zero = 0;  // --zero: 0 or 1
};

struct CommonFlags {
  TrainOptions train;
  LayoutFlags layout;
  std::string data_path;  // empty: synthetic tokens
  int threads = 1;
};

// --vocab-size ... --batch-size, and the numerics flags below
void add_model_flags(CLI::App& app, ModelConfig& model);
// --precision fp32|bf16 and --recompute none|selective|full, into the model's fields
void add_numerics_flags(CLI::App& app, ModelConfig& model);
// --dp --pp --tp --micro-batch --schedule --schedule-file --virtual-stages --partition --bucket-mb
void add_layout_flags(CLI::App& app, LayoutFlags& flags);
// model and layout flags, plus --lr --seed --data --threads
void add_run_flags(CLI::App& app, CommonFlags& flags);

// Resolves the layout flags and checks the layout against the model and the
// world (UsageError naming the flag and the rule).
Layout resolve_layout(LayoutFlags& flags, const ModelConfig& model, int world_size);

// --threads: at least 1, at most the cores the rank may run on.
void check_threads(int threads);

// Validates everything up front (UsageError naming the flag), sets the BLAS
// threads and returns the token source.
std::unique_ptr<TokenSource> prepare_run(CommonFlags& flags, int world_size);

}  // namespace paratrain
