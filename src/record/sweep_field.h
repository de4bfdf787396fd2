#pragma once
// The fields a sweep can vary: every MODEL.md configuration field plus the
// layout's micro-batch size. Typed, so a misspelt field is refused once, at
// parse time, and never travels as a string.
#include <nlohmann/json.hpp>
#include <string>

#include "model/config.h"
#include "parallel/layout.h"

namespace paratrain {

enum class SweepField {
  kVocabSize,
  kSeqLen,
  kDModel,
  kNHeads,
  kNLayers,
  kFfnMult,
  kDropout,
  kBatchSize,
  kMicroBatch,
  kPrecision,  // model/precision.h's enums, by their index: 0 fp32, 1 bf16
  kRecompute,  // 0 none, 1 selective, 2 full
};

// "vocab_size" -> kVocabSize ...; UsageError listing the fields otherwise.
SweepField parse_sweep_field(const std::string& name);
const char* sweep_field_name(SweepField field);
// Every field but dropout takes whole numbers.
bool is_integer_field(SweepField field);
// precision and recompute: values are named ("bf16"), held as the enum's index.
bool is_named_field(SweepField field);
// A named field's value from its name (UsageError naming the field otherwise).
double parse_named_value(SweepField field, const std::string& name);

// Sets the field in the model or the layout (micro_batch).
void apply_field(SweepField field, double value, ModelConfig& model, Layout& layout);
// The value as text for keys and messages ("16", "0.1") and as JSON (16, 0.1).
std::string format_field_value(SweepField field, double value);
nlohmann::json field_value_json(SweepField field, double value);

}  // namespace paratrain
