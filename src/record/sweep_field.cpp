#include "record/sweep_field.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "core/error.h"

namespace paratrain {

namespace {

constexpr std::array<std::pair<SweepField, const char*>, 11> kFieldNames{{
    {SweepField::kVocabSize, "vocab_size"},
    {SweepField::kSeqLen, "seq_len"},
    {SweepField::kDModel, "d_model"},
    {SweepField::kNHeads, "n_heads"},
    {SweepField::kNLayers, "n_layers"},
    {SweepField::kFfnMult, "ffn_mult"},
    {SweepField::kDropout, "dropout"},
    {SweepField::kBatchSize, "batch_size"},
    {SweepField::kMicroBatch, "micro_batch"},
    {SweepField::kPrecision, "precision"},
    {SweepField::kRecompute, "recompute"},
}};

}  // namespace

SweepField parse_sweep_field(const std::string& name) {
  std::string known;
  for (const auto& [field, field_name] : kFieldNames) {
    if (name == field_name) return field;
    known += (known.empty() ? "" : ", ") + std::string(field_name);
  }
  throw UsageError("unknown sweep field '" + name + "' (expected one of: " + known + ")");
}

const char* sweep_field_name(SweepField field) {
  for (const auto& [candidate, name] : kFieldNames) {
    if (candidate == field) return name;
  }
  return "unknown";
}

bool is_integer_field(SweepField field) { return field != SweepField::kDropout; }

bool is_named_field(SweepField field) {
  return field == SweepField::kPrecision || field == SweepField::kRecompute;
}

double parse_named_value(SweepField field, const std::string& name) {
  const std::string flag = std::string("grid field ") + sweep_field_name(field);
  if (field == SweepField::kPrecision) return static_cast<double>(parse_precision(name, flag.c_str()));
  return static_cast<double>(parse_recompute(name, flag.c_str()));
}

void apply_field(SweepField field, double value, ModelConfig& model, Layout& layout) {
  const int whole = static_cast<int>(value);
  switch (field) {
    case SweepField::kVocabSize: model.vocab_size = whole; break;
    case SweepField::kSeqLen: model.seq_len = whole; break;
    case SweepField::kDModel: model.d_model = whole; break;
    case SweepField::kNHeads: model.n_heads = whole; break;
    case SweepField::kNLayers: model.n_layers = whole; break;
    case SweepField::kFfnMult: model.ffn_mult = whole; break;
    case SweepField::kDropout: model.dropout = static_cast<float>(value); break;
    case SweepField::kBatchSize: model.batch_size = whole; break;
    case SweepField::kMicroBatch: layout.micro_batch = whole; break;
    case SweepField::kPrecision: model.precision = whole == 1 ? Precision::kBf16 : Precision::kFp32; break;
    case SweepField::kRecompute: model.recompute = static_cast<Recompute>(std::clamp(whole, 0, 2)); break;
  }
}

std::string format_field_value(SweepField field, double value) {
  char text[32];
  if (field == SweepField::kPrecision) return precision_name(value == 1 ? Precision::kBf16 : Precision::kFp32);
  if (field == SweepField::kRecompute) {
    return recompute_name(static_cast<Recompute>(std::clamp(static_cast<int>(value), 0, 2)));
  }
  if (is_integer_field(field)) {
    std::snprintf(text, sizeof(text), "%lld", static_cast<long long>(value));
  } else {
    // Through float, as the model stores it, so 0.1 and 0.1f share one key.
    std::snprintf(text, sizeof(text), "%g", static_cast<double>(static_cast<float>(value)));
  }
  return text;
}

nlohmann::json field_value_json(SweepField field, double value) {
  if (is_integer_field(field)) return static_cast<long long>(value);
  return value;
}

}  // namespace paratrain
