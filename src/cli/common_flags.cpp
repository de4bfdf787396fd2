#include "cli/common_flags.h"

#include <cmath>

#include "cli/numeric_flags.h"
#include "core/cores.h"
#include "core/error.h"
#include "kernels/gemm.h"

namespace paratrain {

void add_model_flags(CLI::App& app, ModelConfig& model) {
  app.add_option("--vocab-size", model.vocab_size, "token ids are 0..V-1")->capture_default_str();
  app.add_option("--seq-len", model.seq_len, "tokens per sample")->capture_default_str();
  app.add_option("--d-model", model.d_model, "hidden width")->capture_default_str();
  app.add_option("--n-heads", model.n_heads, "attention heads")->capture_default_str();
  app.add_option("--n-layers", model.n_layers, "Transformer blocks")->capture_default_str();
  app.add_option("--ffn-mult", model.ffn_mult, "MLP width is ffn-mult x d-model")->capture_default_str();
  app.add_option("--dropout", model.dropout, "dropout probability")->capture_default_str();
  app.add_option("--batch-size", model.batch_size, "samples per optimizer step (global)")
      ->capture_default_str();
  add_numerics_flags(app, model);
}

void add_numerics_flags(CLI::App& app, ModelConfig& model) {
  // Typed once here: the enums' own parsers give the one-line error, passed
  // on as CLI11's so that the command line's usual path reports it (exit 2).
  auto typed = [](auto parse) {
    return [parse](const std::string& text) {
      try {
        parse(text);
      } catch (const UsageError& error) {
        throw CLI::ValidationError(error.what());
      }
    };
  };
  app.add_option_function<std::string>(
         "--precision", typed([&model](const std::string& text) { model.precision = parse_precision(text); }),
         "matmul precision: fp32, or bf16 (autocast: bf16 inputs, fp32 accumulate)")
      ->default_str("fp32");
  app.add_option_function<std::string>(
         "--recompute", typed([&model](const std::string& text) { model.recompute = parse_recompute(text); }),
         "recompute in backward: none, selective (attention softmax, GELU) or full (each block)")
      ->default_str("none");
}

void add_layout_flags(CLI::App& app, LayoutFlags& flags) {
  Layout& layout = flags.layout;
  app.add_option("--dp", layout.grid.dp, "data-parallel replicas")->capture_default_str();
  app.add_option("--pp", layout.grid.pp, "pipeline stages")->capture_default_str();
  app.add_option("--tp", layout.grid.tp, "tensor-parallel ranks")->capture_default_str();
  app.add_option("--micro-batch", layout.micro_batch,
                 "samples per micro-batch (0: a replica's whole batch)")
      ->capture_default_str();
  app.add_option("--schedule", flags.schedule, "pipeline schedule: gpipe, 1f1b, interleaved, zb-h1 or zb-h2")
      ->capture_default_str();
  app.add_option("--schedule-file", layout.schedule_file,
                 "pipeline lists written as text, one line per rank (README: Schedules as text)");
  app.add_option("--virtual-stages", layout.virtual_stages,
                 "model chunks per pipeline rank (interleaved)")
      ->capture_default_str();
  app.add_option("--partition", flags.partition,
                 "blocks per pipeline stage in halves, e.g. 2,2 or embed+1.5|2.5+head; 'measured' "
                 "(train, bench: balanced over the units' measured times) or 'modelled' (over FLOPs)")
      ->capture_default_str();
  app.add_option("--bucket-mb", flags.bucket_mb, "data-parallel gradient bucket size in MiB")
      ->capture_default_str();
  app.add_flag("--sequence-parallel", layout.sequence_parallel,
               "split layernorm/dropout regions along the sequence over the tp group");
  app.add_option("--zero", flags.zero, "1: shard the optimizer state over the dp group (ZeRO-1)")
      ->capture_default_str();
  app.add_flag("--fill-waits", flags.layout.fill_waits,
               "zero-bubble lists: a receive whose message has not arrived first runs the list's next "
               "W whose B has run (default: every list exactly in its order)");
}

void add_run_flags(CLI::App& app, CommonFlags& flags) {
  add_model_flags(app, flags.train.model);
  add_layout_flags(app, flags.layout);
  app.add_option("--lr", flags.train.adamw.lr, "AdamW learning rate")->capture_default_str();
  app.add_option("--seed", flags.train.seed, "seed of init, data and dropout")->capture_default_str();
  app.add_option("--data", flags.data_path, "text file to train on (byte tokens); default synthetic");
  app.add_option("--threads", flags.threads, "BLAS threads of this rank")->capture_default_str();
}

Layout resolve_layout(LayoutFlags& flags, const ModelConfig& model, int world_size) {
  Layout& layout = flags.layout;
  layout.schedule = parse_schedule_kind(flags.schedule);
  flags.measure_partition = flags.partition == "measured";
  if (flags.partition != "measured" && flags.partition != "modelled") {
    layout.partition = parse_partition(flags.partition);
  }
  if (!(flags.bucket_mb > 0) || !(flags.bucket_mb < 1 << 20)) {
    throw UsageError("--bucket-mb must be positive and below 2^20");
  }
  layout.bucket_bytes = static_cast<size_t>(flags.bucket_mb * (1 << 20));
  layout.zero = zero_stage_from_number(flags.zero);
  check_layout(model, layout, world_size);
  return layout;
}

void check_threads(int threads) {
  if (threads < 1) throw UsageError("--threads must be at least 1");
  // More threads than cores only oversubscribes them; far more fails inside the BLAS.
  const int cores = usable_cores();
  if (threads > cores) {
    throw UsageError("--threads (" + std::to_string(threads) + ") must be at most the " +
                     std::to_string(cores) + " core(s) this rank may run on");
  }
}

std::unique_ptr<TokenSource> prepare_run(CommonFlags& flags, int world_size) {
  flags.train.model.validate();
  check_threads(flags.threads);
  if (!(flags.train.adamw.lr > 0) || !std::isfinite(flags.train.adamw.lr)) {
    throw UsageError("--lr must be positive and finite");
  }
  resolve_layout(flags.layout, flags.train.model, world_size);
  kernels::gemm_set_threads(flags.threads);
  const ModelConfig& model = flags.train.model;
  if (flags.data_path.empty()) {
    return std::make_unique<SyntheticTokens>(flags.train.seed, model.vocab_size, model.seq_len);
  }
  return std::make_unique<TextTokens>(flags.data_path, flags.train.seed, model.vocab_size,
                                      model.seq_len);
}

}  // namespace paratrain
