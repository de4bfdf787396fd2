#pragma once
// Flags that say what the planner predicts for: the machine (--cluster), the
// precision and the memory a rank may hold; and the layout labels the
// planner prints ("dp2xpp2-1f1b/mb4"), read back for --explain.
#include <CLI/CLI.hpp>
#include <string>

#include "parallel/layout.h"
#include "plan/cluster.h"
#include "plan/precision.h"

namespace paratrain {

struct PlanTargetFlags {
  std::string cluster_path;  // empty: this machine, measured now (quick)
  std::string memory_per_device;  // "80GiB", "512MiB", bytes; empty: the device's memory
  int nodes = 0;                  // 0: the description's
};

struct PlanSetting {
  ClusterDescription cluster;
  Precision precision = Precision::kFp32;
  double memory_per_device = 0;  // bytes; 0: the device's memory
};

// --cluster --nodes --memory-per-device (--precision is a model flag)
void add_plan_target_flags(CLI::App& app, PlanTargetFlags& flags);
// --cluster alone (bench: its record's prediction)
void add_cluster_flag(CLI::App& app, PlanTargetFlags& flags);
// UsageError naming the flag for a bad value.
// `precision`: the run's (ModelConfig::precision, from --precision).
PlanSetting resolve_plan_target(const PlanTargetFlags& flags, Precision precision);
// "80GiB", "80G", "512MiB", "4096": bytes; UsageError naming `flag` otherwise.
double parse_byte_size(const std::string& text, const std::string& flag);
// layout_label's form back into a Layout (checked against the model and its ranks).
Layout parse_layout_label(const std::string& label, const ModelConfig& model);

}  // namespace paratrain
