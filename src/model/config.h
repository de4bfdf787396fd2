#pragma once
// The model's configuration (MODEL.md) and the optimizer's hyper-parameters.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "kernels/adamw.h"
#include "model/precision.h"

namespace paratrain {

struct ModelConfig {
  int vocab_size = 1000;
  int seq_len = 256;
  int d_model = 512;
  int n_heads = 8;
  int n_layers = 12;
  int ffn_mult = 4;
  float dropout = 0.1f;
  int batch_size = 32;  // samples per optimizer step, over all replicas
  // How it computes (model/precision.h); in JSON only when not the default,
  // so fp32 records and checkpoints read exactly as before.
  Precision precision = Precision::kFp32;
  Recompute recompute = Recompute::kNone;

  int head_dim() const { return d_model / n_heads; }
  // In 64 bits: validate() refuses a product that does not fit in int, and
  // callers before validation must not overflow either.
  int ffn_width() const { return static_cast<int>(int64_t{ffn_mult} * d_model); }

  // Throws UsageError naming the flag and the rule for the first invalid value.
  void validate() const;

  // Weights of the matrix multiplications: L (3D^2 + D^2 + 2 F D^2) + V D.
  int64_t matmul_parameter_count() const;
  // All parameters, embeddings, biases and LayerNorms included.
  int64_t parameter_count() const;
  // Training FLOPs per token, MODEL.md: 6 N + 12 L T D.
  double flops_per_token() const;

  std::string to_json() const;
  // The fields of to_json(), each required; JsonFieldError (core/json_fields.h)
  // names a missing or mistyped one. Does not validate: the caller decides.
  static ModelConfig from_json(const nlohmann::json& config);

  bool operator==(const ModelConfig&) const = default;
};

// The report's baseline (MODEL.md) is the default; this is the size the CPU
// benchmarks and the peer use ("cpu-small").
ModelConfig cpu_small_config();

// The float as a person writes it: the shortest decimal that round-trips
// (0.1f -> 0.1), as a double for JSON and messages.
double shortest_round_trip(float value);

}  // namespace paratrain
