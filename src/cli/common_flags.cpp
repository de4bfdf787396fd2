#include "cli/common_flags.h"

#include "core/error.h"
#include "kernels/gemm.h"

namespace paratrain {

void add_model_flags(CLI::App& app, CommonFlags& flags) {
  ModelConfig& model = flags.train.model;
  app.add_option("--vocab-size", model.vocab_size, "token ids are 0..V-1")->capture_default_str();
  app.add_option("--seq-len", model.seq_len, "tokens per sample")->capture_default_str();
  app.add_option("--d-model", model.d_model, "hidden width")->capture_default_str();
  app.add_option("--n-heads", model.n_heads, "attention heads")->capture_default_str();
  app.add_option("--n-layers", model.n_layers, "Transformer blocks")->capture_default_str();
  app.add_option("--ffn-mult", model.ffn_mult, "MLP width is ffn-mult x d-model")->capture_default_str();
  app.add_option("--dropout", model.dropout, "dropout probability")->capture_default_str();
  app.add_option("--batch-size", model.batch_size, "samples per optimizer step (global)")
      ->capture_default_str();
}

void add_run_flags(CLI::App& app, CommonFlags& flags) {
  app.add_option("--lr", flags.train.adamw.lr, "AdamW learning rate")->capture_default_str();
  app.add_option("--seed", flags.train.seed, "seed of init, data and dropout")->capture_default_str();
  app.add_option("--data", flags.data_path, "text file to train on (byte tokens); default synthetic");
  app.add_option("--threads", flags.threads, "BLAS threads of this rank")->capture_default_str();
  app.add_option("--micro-batch", flags.train.micro_batch,
                 "samples per micro-batch (0: the whole batch)")
      ->capture_default_str();
}

std::unique_ptr<TokenSource> prepare_run(const CommonFlags& flags) {
  flags.train.model.validate();
  if (flags.threads < 1) throw UsageError("--threads must be at least 1");
  if (flags.train.micro_batch < 0) throw UsageError("--micro-batch must be >= 0");
  if (!(flags.train.adamw.lr > 0)) throw UsageError("--lr must be positive");
  kernels::gemm_set_threads(flags.threads);
  const ModelConfig& model = flags.train.model;
  if (flags.data_path.empty()) {
    return std::make_unique<SyntheticTokens>(flags.train.seed, model.vocab_size, model.seq_len);
  }
  return std::make_unique<TextTokens>(flags.data_path, flags.train.seed, model.vocab_size,
                                      model.seq_len);
}

}  // namespace paratrain
