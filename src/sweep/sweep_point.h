#pragma once
// One point of a sweep: a strategy at one configuration, and the canonical
// keys that make a sweep resumable.
#include <optional>
#include <string>

#include "model/config.h"
#include "parallel/layout.h"
#include "sweep/host_launch.h"
#include "sweep/strategy.h"
#include "record/sweep_field.h"

namespace paratrain {

struct SweepPoint {
  Strategy strategy;
  ModelConfig model;
  Layout layout;
  std::optional<SweepField> varied;  // empty: the base point
  double value = 0;                  // of `varied`
  int warmup = 0, steps = 1;
  std::string skip_reason;  // non-empty: the layout cannot run this point; never launched
  HostPlacement hosts;      // across namespace hosts at a link rate, or local (the default)
  int repeat = 0;           // 0-based: which of the point's repeated measurements

  // Names the point: strategy, what was varied, the full configuration and
  // the steps. Equal keys are the same point; a rerun skips stored keys.
  std::string key() const;
  // The measurement alone (key without "varied"): two points that run the
  // same bench share it, and the sweep runs it once.
  std::string measurement_key() const;
  // A file name for the point's trace: readable, and unique by a key hash.
  std::string trace_file_name() const;
};

// "|precision=bf16|recompute=full" for a point that does not compute in
// fp32 without recompute; empty otherwise, so fp32 keys read as before.
std::string numerics_key_suffix(const ModelConfig& model);

}  // namespace paratrain
