// paratrain study: the default sweep, then the report, into one folder.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/child_process.h"
#include "core/error.h"
#include "report/report.h"
#include "sweep/host_launch.h"
#include "sweep/host_plan.h"
#include "sweep/plan.h"
#include "sweep/process.h"
#include "sweep/study_plan.h"
#include "sweep/sweep.h"

namespace paratrain {

namespace {

// This machine's description for the planner's predictions, measured once
// (`mpirun -np 2 paratrain calibrate`) and kept beside the results, so every
// point is predicted from the same numbers. Empty when calibration fails:
// then each point measures the machine briefly itself.
std::string calibrated_machine(const std::string& out_dir, const std::string& binary) {
  namespace fs = std::filesystem;
  const std::string path = (fs::path(out_dir) / "machine.json").string();
  if (fs::exists(path)) return path;
  fs::create_directories(out_dir);
  std::fprintf(stderr, "paratrain study: calibrating this machine for the planner (%s)\n", path.c_str());
  ChildRequest request;
  request.argv = {"mpirun"};
  if (geteuid() == 0) request.argv.push_back("--allow-run-as-root");
  request.argv.insert(request.argv.end(), {"--oversubscribe", "-q", "-np", "2", binary, "calibrate", "--out", path});
  request.timeout_s = 600;
  request.merge_stderr = true;
  const ChildResult result = run_child(request);
  if (result.exit_code == 0) return path;
  std::fprintf(stderr, "paratrain study: warning: calibrate failed (%s); points measure the machine themselves\n",
               result.out.c_str());
  return "";
}

class StudyCommand : public LocalCommand {
 public:
  explicit StudyCommand(CLI::App& sub) {
    sub.add_option("--out", out_dir_, "folder of the results, traces and report (resumed if present)")
        ->capture_default_str();
    sub.add_flag("--full", full_, "the seed report's baseline sweep (hours on a small machine)");
    sub.add_option("--ranks", ranks_, "ranks of the parallel strategies")->capture_default_str();
    sub.add_option("--repeats", repeats_, "measurements of each point, interleaved across strategies")
        ->capture_default_str();
    sub.add_option("--peak-gflops", peak_gflops_,
                   "device peak for MFU (default: one calibration GEMM)");
    sub.add_option("--hosts", hosts_,
                   "namespace hosts of the across-hosts section (default: 2 where network "
                   "namespaces work, i.e. as root; 1 leaves the section out)");
    sub.add_option("--link-rate", link_rates_, "link rates of the across-hosts section")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->capture_default_str();
  }

  int run() override {
    if (ranks_ < 1) throw UsageError("--ranks must be at least 1");
    if (peak_gflops_ < 0) throw UsageError("--peak-gflops must be positive");
    if (repeats_ < 1) throw UsageError("--repeats must be at least 1");
    std::vector<SweepPoint> points = plan_sweep(study_spec(full_, ranks_, repeats_));
    const std::vector<SweepPoint> host_points =
        study_host_points(ranks_, repeats_, hosts_count(), link_rates_);
    points.insert(points.end(), host_points.begin(), host_points.end());
    namespace fs = std::filesystem;
    SweepOptions options;
    options.results_path = (fs::path(out_dir_) / "results.jsonl").string();
    options.csv_path = (fs::path(out_dir_) / "results.csv").string();
    options.traces_dir = (fs::path(out_dir_) / "traces").string();
    options.binary = self_executable();
    options.peak_gflops = peak_gflops_;
    options.cluster_path = calibrated_machine(out_dir_, options.binary);
    run_sweep(points, options);
    std::fprintf(stderr, "paratrain study: writing the report into %s\n", out_dir_.c_str());
    return write_report(options.results_path, out_dir_);
  }

 private:
  // --hosts as given, else 2 where namespaces work (said in one line either way).
  int hosts_count() const {
    if (hosts_ && *hosts_ < 1) throw UsageError("--hosts must be at least 1");
    if (hosts_ && *hosts_ == 1) return 1;
    const std::optional<std::string> unusable = hosts_unusable_reason();
    if (unusable) {
      if (hosts_) throw UsageError("--hosts " + std::to_string(*hosts_) + ": " + *unusable);
      std::fprintf(stderr, "paratrain study: no across-hosts section (%s)\n", unusable->c_str());
      return 1;
    }
    const int hosts = hosts_.value_or(2);
    std::fprintf(stderr,
                 "paratrain study: across-hosts section on %d namespace hosts (--hosts 1 leaves it "
                 "out)\n",
                 hosts);
    return hosts;
  }

  std::string out_dir_ = "study";
  bool full_ = false;
  int ranks_ = 2;
  int repeats_ = 3;
  double peak_gflops_ = 0;
  std::optional<int> hosts_;
  std::vector<std::string> link_rates_ = study_default_link_rates();
};

}  // namespace

void register_study_command(CLI::App& app, std::unique_ptr<LocalCommand>& chosen) {
  CLI::App* sub = app.add_subcommand("study", "the default sweep and its report, resumable");
  auto command = std::make_shared<std::unique_ptr<LocalCommand>>(std::make_unique<StudyCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
