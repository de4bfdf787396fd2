// paratrain plan: every layout of a model on N ranks, predicted (src/plan/),
// ranked best first; --explain writes one layout's predicted step as a trace.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "cli/plan_flags.h"
#include "core/error.h"
#include "io/output_file.h"
#include "kernels/gemm.h"
#include "plan/layout_search.h"
#include "plan/predicted_trace.h"

namespace paratrain {

namespace {

double gib(double bytes) { return bytes / (1u << 30); }

nlohmann::json planned_json(const PlannedLayout& planned) {
  const StepPrediction& prediction = planned.prediction;
  nlohmann::json stages = nlohmann::json::array();
  for (const StagePrediction& stage : prediction.stages) {
    nlohmann::json bytes = nlohmann::json::object();
    for (int idx = 0; idx < kMemoryCategoryCount; ++idx) {
      bytes[memory_category_name(static_cast<MemoryCategory>(idx))] = stage.memory.category_bytes[idx];
    }
    bytes["total"] = stage.memory.total_bytes;
    stages.push_back({{"bubble", stage.bubble}, {"exposed_comm", stage.exposed_comm},
                      {"dp_sync_s", stage.dp_sync_s}, {"optimizer_s", stage.optimizer_s},
                      {"peak_bytes", bytes}});
  }
  return {{"layout", planned.label},
          {"layout_fields", nlohmann::json::parse(planned.layout.to_json())},
          {"recompute", recompute_name(planned.recompute)},
          {"fits", planned.fits},
          {"step_s", prediction.step_s},
          {"tokens_per_s", prediction.tokens_per_s},
          {"tokens_per_s_per_device", prediction.tokens_per_s_per_device},
          {"mfu", prediction.mfu},
          {"peak_bytes", prediction.peak_bytes},
          {"stages", stages}};
}

void print_table(const std::vector<PlannedLayout>& planned, int top, const ClusterDescription& cluster) {
  std::printf("cluster: %s (%d x %d devices) | %zu layouts, %zu fit\n", cluster.name.c_str(), cluster.nodes,
              cluster.devices_per_node, planned.size(),
              static_cast<size_t>(std::count_if(planned.begin(), planned.end(),
                                                [](const PlannedLayout& entry) { return entry.fits; })));
  std::printf("%4s  %-46s %12s %12s %10s %6s %7s %7s %10s  %s\n", "#", "layout", "tokens/s", "tok/s/dev",
              "step ms", "MFU", "bubble", "comm", "peak GiB", "fits");
  int shown = 0;
  for (const PlannedLayout& entry : planned) {
    if (shown++ == top) break;
    const StepPrediction& prediction = entry.prediction;
    double bubble = 0, comm = 0;
    for (const StagePrediction& stage : prediction.stages) {
      bubble = std::max(bubble, stage.bubble);
      comm = std::max(comm, stage.exposed_comm);
    }
    std::printf("%4d  %-46s %12.0f %12.0f %10.2f %6.3f %7.3f %7.3f %10.3f  %s\n", shown, entry.label.c_str(),
                prediction.tokens_per_s, prediction.tokens_per_s_per_device, prediction.step_s * 1e3,
                prediction.mfu, bubble, comm, gib(static_cast<double>(prediction.peak_bytes)),
                entry.fits ? "yes" : "NO (memory)");
  }
}

class PlanCommand : public LocalCommand {
 public:
  explicit PlanCommand(CLI::App& sub) {
    add_model_flags(sub, options_.model);
    add_plan_target_flags(sub, target_flags_);
    sub.add_option("--ranks", ranks_, "devices (MPI ranks) to plan for")->required();
    sub.add_option("--top", top_, "layouts shown, best first")->capture_default_str();
    sub.add_flag("--json", json_, "one JSON array of every layout instead of the table");
    sub.add_option("--explain", explain_,
                   "write this layout's predicted step as a Chrome trace (e.g. dp2xpp2-1f1b/mb4)");
    sub.add_option("--trace", trace_path_, "where --explain writes the trace")->capture_default_str();
  }

  int run() override {
    options_.model.validate();
    if (ranks_ < 1) throw UsageError("--ranks must be at least 1");
    if (top_ < 1) throw UsageError("--top must be at least 1");
    kernels::gemm_set_threads(1);  // a device is one core (README), measured as one
    const PlanSetting setting = resolve_plan_target(target_flags_, options_.model.precision);
    if (ranks_ > setting.cluster.devices()) {
      throw UsageError("--ranks " + std::to_string(ranks_) + " is more than the cluster's " +
                       std::to_string(setting.cluster.devices()) + " devices (" +
                       std::to_string(setting.cluster.nodes) + " node(s) of " +
                       std::to_string(setting.cluster.devices_per_node) + "; --nodes adds nodes)");
    }
    if (!explain_.empty()) return explain(setting);
    const PlanRequest request{options_, ranks_, setting.precision, setting.cluster, setting.memory_per_device};
    const std::vector<PlannedLayout> planned = plan_layouts(request);
    if (planned.empty()) {
      throw UsageError("no layout of this model fits " + std::to_string(ranks_) +
                       " ranks (the batch, heads, widths and blocks must split over dp, tp and pp)");
    }
    if (json_) {
      nlohmann::json all = nlohmann::json::array();
      for (const PlannedLayout& entry : planned) all.push_back(planned_json(entry));
      std::printf("%s\n", all.dump().c_str());
    } else {
      print_table(planned, top_, setting.cluster);
    }
    return 0;
  }

 private:
  int explain(const PlanSetting& setting) {
    check_output_path(trace_path_, "--trace");
    // A "+recompute-<mode>" suffix (as the table prints it) sets the mode.
    const auto [layout_text, recompute] = split_recompute_label(explain_);
    if (recompute != Recompute::kNone) options_.model.recompute = recompute;
    const Layout layout = parse_layout_label(layout_text, options_.model);
    if (layout.grid.world() != ranks_) {
      throw UsageError("--explain " + explain_ + " needs " + std::to_string(layout.grid.world()) +
                       " ranks, not --ranks " + std::to_string(ranks_));
    }
    const PlanTarget target{options_, layout, setting.precision, setting.cluster};
    const StepPrediction prediction = predict_step(target);
    write_predicted_trace(trace_path_, target, prediction);
    PlannedLayout entry{layout, options_.model.recompute,
                        planned_label(layout, options_.model, options_.model.recompute), prediction, true};
    const double memory = setting.memory_per_device > 0 ? setting.memory_per_device
                                                        : setting.cluster.device.memory_bytes;
    entry.fits = static_cast<double>(prediction.peak_bytes) <= memory;
    if (json_) {
      std::printf("%s\n", planned_json(entry).dump().c_str());
    } else {
      print_table({entry}, 1, setting.cluster);
    }
    std::printf("trace: %s\n", trace_path_.c_str());
    return 0;
  }

  TrainOptions options_;
  PlanTargetFlags target_flags_;
  int ranks_ = 0;
  int top_ = 10;
  bool json_ = false;
  std::string explain_;
  std::string trace_path_ = "plan-trace.json";
};

}  // namespace

void register_plan_command(CLI::App& app, std::unique_ptr<LocalCommand>& chosen) {
  CLI::App* sub = app.add_subcommand("plan", "predict every layout's speed and memory on N ranks, best first");
  auto command = std::make_shared<std::unique_ptr<LocalCommand>>(std::make_unique<PlanCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
