// paratrain sweep: a grid of bench runs over strategies and configuration
// fields, each point its own MPI job, resumable (src/sweep/).
#include <filesystem>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "core/error.h"
#include "io/output_file.h"
#include "sweep/host_plan.h"
#include "sweep/plan.h"
#include "sweep/process.h"
#include "sweep/sweep.h"
#include "sweep/sweep_spec.h"

namespace paratrain {

namespace {

class SweepCommand : public LocalCommand {
 public:
  explicit SweepCommand(CLI::App& sub) {
    add_model_flags(sub, spec_.base);
    sub.add_option("--micro-batch", spec_.base_micro_batch,
                   "micro-batch of the pipeline strategies where micro_batch is not varied")
        ->capture_default_str();
    sub.add_option("--ranks", ranks_, "ranks of the default strategies (with --strategies unset)")
        ->capture_default_str();
    sub.add_option("--strategies", strategy_names_,
                   "comma-separated names: seq, or parts joined by x in the order dpN[-zero1], tpN[-sp], ppN-gpipe|1f1b|interleaved-vK (e.g. dp2xpp2-1f1b, tp2-sp)")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    auto* grid = sub.add_option("--grid", grid_flags_, "field=v1,v2,... varied one at a time (repeatable)")
                     ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub.add_option("--sweep-file", sweep_file_,
                   "JSON {base, grid, strategies, warmup, steps, repeats}; overrides the flags it names")
        ->excludes(grid);
    sub.add_option("--warmup", spec_.warmup, "untimed steps of each point")->capture_default_str();
    sub.add_option("--steps", spec_.steps, "measured steps of each point")->capture_default_str();
    sub.add_option("--repeats", spec_.repeats,
                   "measure each point this many times, as separate jobs interleaved across strategies; "
                   "the report takes the median and shows the spread")
        ->capture_default_str();
    sub.add_option("--out", options_.results_path, "results file (JSON lines), appended and resumed")
        ->capture_default_str();
    sub.add_option("--csv", options_.csv_path, "also export the results as CSV here");
    sub.add_option("--traces", options_.traces_dir, "Chrome traces of each point (default: traces/ beside --out)");
    sub.add_option("--peak-gflops", options_.peak_gflops,
                   "device peak for MFU (default: one calibration GEMM for the whole sweep)");
    sub.add_option("--cluster", options_.cluster_path,
                   "planner description for every point's prediction (paratrain calibrate --out; "
                   "default: each point measures this machine briefly)");
    sub.add_option("--point-timeout", options_.point_timeout_s, "seconds before a hung point is stopped and recorded as failed (0: none)")
        ->capture_default_str();
    add_host_flags(sub);
  }

  int run() override {
    const std::vector<SweepPoint> points = plan();
    if (options_.traces_dir.empty()) {
      options_.traces_dir = (std::filesystem::path(options_.results_path).parent_path() / "traces").string();
    }
    options_.binary = self_executable();
    run_sweep(points, options_);
    return 0;
  }

 private:
  // Everything is checked here, before the first point runs.
  std::vector<SweepPoint> plan() {
    if (ranks_ < 1) throw UsageError("--ranks must be at least 1");
    if (options_.peak_gflops < 0) throw UsageError("--peak-gflops must be positive");
    if (options_.point_timeout_s < 0) throw UsageError("--point-timeout must be >= 0");
    // Output paths before any point runs: regular files or absent, never a device.
    check_output_path(options_.results_path, "--out", MissingFolder::kWillBeCreated);
    if (!options_.csv_path.empty()) check_output_path(options_.csv_path, "--csv", MissingFolder::kWillBeCreated);
    if (!sweep_file_.empty()) load_sweep_file(sweep_file_, spec_);
    for (const std::string& flag : grid_flags_) spec_.grid.push_back(parse_grid_flag(flag));
    if (!strategy_names_.empty()) spec_.strategies.clear();
    for (const std::string& name : strategy_names_) spec_.strategies.push_back(parse_strategy(name));
    if (spec_.strategies.empty()) spec_.strategies = default_strategies(ranks_, spec_.base.n_layers, spec_.base.n_heads);
    return spread_over_hosts(plan_sweep(spec_), host_spec());
  }

  // Across namespace hosts (scripts/hosts.sh; needs root).
  void add_host_flags(CLI::App& sub) {
    sub.add_option("--hosts", hosts_.hosts, "run each point across N network-namespace hosts over TCP (1: locally)")
        ->capture_default_str();
    sub.add_option("--link-rate", hosts_.link_rates, "with --hosts: each point at each host link rate, e.g. 100mbit,1gbit,unshaped")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub.add_option("--placement", placement_names_, "with --hosts: packed (tp inside a host), spread (round-robin, tp across hosts), or both")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }

  HostSweepSpec host_spec() {
    if (!placement_names_.empty()) hosts_.placements.clear();
    for (const std::string& name : placement_names_) hosts_.placements.push_back(parse_rank_placement(name));
    check_host_sweep(hosts_);
    return hosts_;
  }

  SweepSpec spec_;
  SweepOptions options_;
  int ranks_ = 2;
  std::vector<std::string> strategy_names_, grid_flags_;
  std::string sweep_file_;
  HostSweepSpec hosts_;
  std::vector<std::string> placement_names_;
};

}  // namespace

void register_sweep_command(CLI::App& app, std::unique_ptr<LocalCommand>& chosen) {
  CLI::App* sub = app.add_subcommand("sweep", "a grid of bench runs, each its own MPI job; resumable");
  auto command = std::make_shared<std::unique_ptr<LocalCommand>>(std::make_unique<SweepCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
