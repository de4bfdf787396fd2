#include "cli/plan_flags.h"

#include <cmath>

#include "core/error.h"
#include "plan/machine_calibration.h"
#include "sweep/strategy.h"

namespace paratrain {

void add_cluster_flag(CLI::App& app, PlanTargetFlags& flags) {
  app.add_option("--cluster", flags.cluster_path,
                 "cluster description JSON (clusters/*.json or `paratrain calibrate --out`); "
                 "default: this machine, measured now");
}

void add_plan_target_flags(CLI::App& app, PlanTargetFlags& flags) {
  add_cluster_flag(app, flags);
  app.add_option("--nodes", flags.nodes, "nodes of the described kind (default: the description's)");
  app.add_option("--memory-per-device", flags.memory_per_device,
                 "memory a rank may hold, e.g. 80GiB (default: the device's)");
}

double parse_byte_size(const std::string& text, const std::string& flag) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = used > 0 ? text.substr(used) : "";
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "K" || unit == "KiB") scale = 1024.0;
  if (unit == "M" || unit == "MiB") scale = 1024.0 * 1024;
  if (unit == "G" || unit == "GiB") scale = 1024.0 * 1024 * 1024;
  if (unit == "GB") scale = 1e9;
  if (used == 0 || scale == 0 || !(value > 0) || !std::isfinite(value)) {
    throw UsageError(flag + " must be a positive size such as 80GiB, 512MiB or a byte count (got '" + text + "')");
  }
  return value * scale;
}

PlanSetting resolve_plan_target(const PlanTargetFlags& flags, Precision precision) {
  PlanSetting setting;
  setting.precision = precision;
  if (!flags.memory_per_device.empty()) {
    setting.memory_per_device = parse_byte_size(flags.memory_per_device, "--memory-per-device");
  }
  if (!flags.cluster_path.empty()) {
    setting.cluster = read_cluster_file(flags.cluster_path);
  } else {
    setting.cluster = this_machine(measure_device(CalibrationDepth::kQuick), assumed_shared_memory_link());
    setting.cluster.name = "this machine (quick measurement, assumed shared-memory link)";
  }
  if (flags.nodes < 0) throw UsageError("--nodes must be at least 1");
  if (flags.nodes > 0) setting.cluster.nodes = flags.nodes;
  if (peak_flops_per_s(setting.cluster.device, setting.precision) <= 0) {
    throw UsageError(std::string("--precision ") + precision_name(precision) +
                     ": the cluster description has no rate for it");
  }
  return setting;
}

Layout parse_layout_label(const std::string& label, const ModelConfig& model) {
  const size_t slash = label.rfind("/mb");
  Layout layout;
  const Strategy strategy = parse_strategy(slash == std::string::npos ? label : label.substr(0, slash));
  layout.grid = strategy.grid;
  layout.schedule = strategy.schedule;
  layout.virtual_stages = strategy.virtual_stages;
  layout.sequence_parallel = strategy.sequence_parallel;
  layout.zero = zero_stage_from_number(strategy.zero);
  if (slash != std::string::npos) {
    const std::string digits = label.substr(slash + 3);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 6) {
      throw UsageError("--explain: '" + label + "' must end in /mbN (N the micro-batch size)");
    }
    layout.micro_batch = std::stoi(digits);
  }
  check_layout(model, layout, layout.grid.world());
  return layout;
}

}  // namespace paratrain
