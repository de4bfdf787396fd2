#include "report/report.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/error.h"
#include "report/gnuplot_runner.h"
#include "report/host_runs.h"
#include "report/markdown_report.h"
#include "report/numerics_report.h"
#include "report/observations.h"
#include "report/prediction_report.h"
#include "report/results.h"
#include "report/summary_figures.h"
#include "report/sweep_figures.h"
#include "report/text_file.h"

namespace paratrain {

namespace {

using namespace report;

// Creates DIR and proves it writable before any work, so a bad --out fails
// with one line instead of after the figures.
void prepare_out_dir(const std::string& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error || !std::filesystem::is_directory(out_dir)) {
    throw UsageError("--out '" + out_dir + "' cannot be created" +
                     (error ? ": " + error.message() : ""));
  }
  const std::filesystem::path probe = std::filesystem::path(out_dir) / ".paratrain_write_probe";
  std::ofstream(probe) << "probe";
  const bool writable = std::filesystem::exists(probe);
  std::filesystem::remove(probe, error);
  if (!writable) throw UsageError("--out '" + out_dir + "' is not writable");
}

std::vector<FigurePlan> plan_figures(const Results& results) {
  std::vector<FigurePlan> plans = sweep_figures(results);
  plans.push_back(memory_figure(results));
  plans.push_back(timeline_figure(results));
  plans.push_back(bubble_figure(results));
  plans.push_back(mfu_figure(results));
  // Only when a point varies precision or recompute: other results keep their figure count.
  if (!numerics_pairs(results).empty()) {
    plans.push_back(numerics_throughput_figure(results));
    plans.push_back(numerics_memory_figure(results));
  }
  // Only when the sweep ran across hosts: local results keep their figure count.
  if (!results.host_runs.empty()) plans.push_back(link_rate_figure(results));
  // Only when records carry the planner's predictions: older results keep their figure count.
  if (has_predictions(results)) plans.push_back(prediction_figure(results));
  return plans;
}

}  // namespace

int write_report(const std::string& results_path, const std::string& out_dir) {
  const Results results = read_results(results_path);
  prepare_out_dir(out_dir);
  const GnuplotRunner gnuplot = GnuplotRunner::find();
  const std::vector<FigurePlan> plans = plan_figures(results);
  for (const FigurePlan& plan : plans) {
    // A stale PNG from an earlier report must not pass for this one's.
    std::error_code ignored;
    std::filesystem::remove(std::filesystem::path(out_dir) / (plan.stem + ".png"), ignored);
    if (plan.skipped()) continue;
    gnuplot.draw(write_gnuplot_files(plan, out_dir, gnuplot.terminal()), out_dir);
  }
  const char* terminal = gnuplot.terminal() == PngTerminal::pngcairo ? "pngcairo" : "png";
  write_text_file((std::filesystem::path(out_dir) / "report.md").string(),
                  report_markdown(results, plans, observations(results), terminal) +
                      prediction_sections(results));
  return 0;
}

}  // namespace paratrain
