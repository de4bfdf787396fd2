#include "sweep/sweep_point.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace paratrain {

namespace {

uint32_t fnv1a(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (const unsigned char byte : text) hash = (hash ^ byte) * 16777619u;
  return hash;
}

}  // namespace

std::string numerics_key_suffix(const ModelConfig& model) {
  std::string suffix;
  if (model.precision != Precision::kFp32) suffix += std::string("|precision=") + precision_name(model.precision);
  if (model.recompute != Recompute::kNone) suffix += std::string("|recompute=") + recompute_name(model.recompute);
  return suffix;
}

std::string SweepPoint::measurement_key() const {
  char text[256];
  std::snprintf(text, sizeof(text), "V=%d,T=%d,D=%d,H=%d,L=%d,F=%d,p=%s,B=%d,mb=%d|w=%d,s=%d",
                model.vocab_size, model.seq_len, model.d_model, model.n_heads, model.n_layers,
                model.ffn_mult, format_field_value(SweepField::kDropout, model.dropout).c_str(),
                model.batch_size, layout.micro_batch, warmup, steps);
  const std::string repeat_suffix = repeat > 0 ? "|repeat=" + std::to_string(repeat) : "";
  return strategy.name + "|" + text + numerics_key_suffix(model) + hosts.key_suffix() + repeat_suffix;
}

std::string SweepPoint::key() const {
  const std::string what =
      varied ? std::string(sweep_field_name(*varied)) + "=" + format_field_value(*varied, value) : "base";
  const std::string measured = measurement_key();
  const auto bar = measured.find('|');
  return measured.substr(0, bar) + "|" + what + measured.substr(bar);
}

std::string SweepPoint::trace_file_name() const {
  const std::string what =
      varied ? std::string(sweep_field_name(*varied)) + "-" + format_field_value(*varied, value) : "base";
  char hash[16];
  std::snprintf(hash, sizeof(hash), "%08x", fnv1a(key()));
  const std::string repeat_part = repeat > 0 ? ".r" + std::to_string(repeat) : "";
  return strategy.name + "." + what + repeat_part + "." + hash + ".trace.json";
}

}  // namespace paratrain
