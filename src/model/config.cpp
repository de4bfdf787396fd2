#include "model/config.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/checked_math.h"
#include "core/error.h"
#include "core/json_fields.h"

namespace paratrain {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw UsageError(message);
}

}  // namespace

void ModelConfig::validate() const {
  require(vocab_size > 0, "--vocab-size must be positive (got " + std::to_string(vocab_size) + ")");
  require(seq_len > 0, "--seq-len must be positive (got " + std::to_string(seq_len) + ")");
  require(d_model > 0, "--d-model must be positive (got " + std::to_string(d_model) + ")");
  require(n_heads > 0, "--n-heads must be positive (got " + std::to_string(n_heads) + ")");
  require(n_layers > 0, "--n-layers must be positive (got " + std::to_string(n_layers) + ")");
  require(ffn_mult > 0, "--ffn-mult must be positive (got " + std::to_string(ffn_mult) + ")");
  require(batch_size > 0, "--batch-size must be positive (got " + std::to_string(batch_size) + ")");
  require(d_model % n_heads == 0, "--d-model (" + std::to_string(d_model) +
                                      ") must be divisible by --n-heads (" +
                                      std::to_string(n_heads) + ")");
  require(dropout >= 0.0f && dropout < 1.0f,
          "--dropout must be in [0, 1) (got " + std::to_string(dropout) + ")");
  // Sizes whose products would overflow the 32-bit BLAS dimensions; every
  // product is checked, so a huge value is refused instead of wrapping.
  const auto ffn = checked_mul(ffn_mult, d_model);
  require(ffn && *ffn < (int64_t{1} << 31), "--ffn-mult x --d-model must be < 2^31 (got " +
                                                std::to_string(ffn_mult) + " x " + std::to_string(d_model) + ")");
  const auto gemm_elements = checked_product({batch_size, seq_len, std::max<int64_t>(vocab_size, *ffn)});
  require(gemm_elements && *gemm_elements < (int64_t{1} << 31),
          "--batch-size x --seq-len x max(--vocab-size, --ffn-mult x --d-model) must be < 2^31");
  // The parameter count, in bytes with its gradients and moments, must fit in 64 bits.
  const int64_t d = d_model;
  const auto per_block = checked_product({d, 2 * *ffn + 4 * d + 10});  // + ffn below: 2FD^2 + 4D^2 + 10D + FD
  const auto block = per_block ? checked_add(*per_block, *ffn) : std::nullopt;
  const auto blocks = block ? checked_mul(n_layers, *block) : std::nullopt;
  const auto embeddings = checked_product({2 * int64_t{vocab_size} + seq_len + 2, d});
  const auto total = blocks && embeddings ? checked_add(*blocks, *embeddings) : std::nullopt;
  require(total && checked_mul(*total, 64),
          "the model has too many parameters to count (--n-layers, --d-model, --ffn-mult)");
}

int64_t ModelConfig::matmul_parameter_count() const {
  const int64_t d = d_model;
  return int64_t{n_layers} * (3 * d * d + d * d + 2 * int64_t{ffn_mult} * d * d) +
         int64_t{vocab_size} * d;
}

int64_t ModelConfig::parameter_count() const {
  const int64_t d = d_model, f = int64_t{ffn_mult} * d_model;
  const int64_t per_block = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (f * d + f) + (d * f + d);
  return int64_t{vocab_size} * d + int64_t{seq_len} * d + n_layers * per_block + 2 * d +
         int64_t{vocab_size} * d;
}

double ModelConfig::flops_per_token() const {
  return 6.0 * static_cast<double>(matmul_parameter_count()) +
         12.0 * n_layers * static_cast<double>(seq_len) * d_model;
}

double shortest_round_trip(float value) {
  // The shortest decimal that reads back as the same float ("0.1"), parsed as
  // a double, so JSON prints 0.1 rather than the float's exact 0.10000000149011612.
  char text[32];
  const auto written = std::to_chars(text, text + sizeof(text), value);
  *written.ptr = '\0';
  return std::strtod(text, nullptr);
}

std::string ModelConfig::to_json() const {
  nlohmann::json j = {{"vocab_size", vocab_size}, {"seq_len", seq_len},   {"d_model", d_model},
                      {"n_heads", n_heads},       {"n_layers", n_layers}, {"ffn_mult", ffn_mult},
                      {"dropout", shortest_round_trip(dropout)}, {"batch_size", batch_size}};
  if (precision != Precision::kFp32) j["precision"] = precision_name(precision);
  if (recompute != Recompute::kNone) j["recompute"] = recompute_name(recompute);
  return j.dump();
}

ModelConfig ModelConfig::from_json(const nlohmann::json& config) {
  ModelConfig model;
  model.vocab_size = json_int(config, "vocab_size");
  model.seq_len = json_int(config, "seq_len");
  model.d_model = json_int(config, "d_model");
  model.n_heads = json_int(config, "n_heads");
  model.n_layers = json_int(config, "n_layers");
  model.ffn_mult = json_int(config, "ffn_mult");
  model.dropout = static_cast<float>(json_number(config, "dropout"));
  model.batch_size = json_int(config, "batch_size");
  // Optional: absent in fp32 records and in the reference files.
  model.precision = parse_precision(json_text_or(config, "precision", "fp32"), "config.precision");
  model.recompute = parse_recompute(json_text_or(config, "recompute", "none"), "config.recompute");
  return model;
}

ModelConfig cpu_small_config() {
  ModelConfig config;
  config.vocab_size = 1000;
  config.seq_len = 128;
  config.d_model = 256;
  config.n_heads = 8;
  config.n_layers = 4;
  config.ffn_mult = 4;
  config.dropout = 0.1f;
  config.batch_size = 16;
  return config;
}

}  // namespace paratrain
