#include "report/markdown_report.h"

#include <set>

#include "report/markdown_tables.h"
#include "report/noise.h"
#include "report/run_selection.h"

namespace paratrain::report {

namespace {

std::string header(const Results& results, const std::vector<FigurePlan>& plans,
                   const std::string& terminal_name) {
  std::string strategies;
  for (const std::string& name : strategies_of(results))
    strategies += (strategies.empty() ? "" : ", ") + name;
  int skipped = 0;
  for (const FigurePlan& plan : plans) skipped += plan.skipped();
  std::set<std::string> builds;
  for (const MeasuredRun& run : results.runs)
    builds.insert(describe(run.build));
  std::string text = "# paratrain report\n\n";
  text += "Results: `" + results.path + "`: " + std::to_string(results.runs.size()) +
          " successful run(s), " + std::to_string(results.failures.size()) +
          " failed point(s); strategies: " + strategies + ".\n\n";
  for (const std::string& build : builds) text += "Build: " + build + ".\n\n";
  if (builds.size() > 1) text += "**The runs come from different builds; compare with care.**\n\n";
  text += std::to_string(plans.size() - skipped) + " of " + std::to_string(plans.size()) +
          " figures drawn, " + std::to_string(skipped) +
          " skipped (a skipped figure says why). Drawn by gnuplot's " + terminal_name +
          " terminal; redraw one with `gnuplot NAME.gp` inside this folder. "
          "Throughputs use the median step time of each run.\n\n";
  return text + noise_header(results);
}

std::string figure_section(const FigurePlan& plan, int number) {
  std::string text = "### " + std::to_string(number) + ". " + plan.heading + "\n\n";
  if (plan.skipped()) return text + "*Skipped: " + plan.skip_reason + ".*\n\n";
  text += "![" + plan.heading + "](" + plan.stem + ".png)\n\n";
  if (!plan.note.empty()) text += plan.note + "\n\n";
  return text;
}

std::string observation_text(const std::vector<ObservationSection>& sections) {
  std::string text;
  for (const ObservationSection& section : sections) {
    text += "### " + section.heading + "\n\n";
    for (const std::string& line : section.lines) text += "- " + line + "\n";
    text += "\n";
  }
  return text;
}

}  // namespace

std::string report_markdown(const Results& results, const std::vector<FigurePlan>& plans,
                            const std::vector<ObservationSection>& sections,
                            const std::string& terminal_name) {
  std::string text = header(results, plans, terminal_name);
  text += "## Figures\n\n";
  for (size_t index = 0; index < plans.size(); ++index) {
    text += figure_section(plans[index], static_cast<int>(index) + 1);
  }
  text += "## Tables per micro-batch size\n\n" + micro_batch_tables(results);
  text += "## Observations\n\n" + observation_text(sections);
  text += "## Failed points\n\n" + failures_table(results);
  text += "## All runs\n\nOne row per point: values are medians over its repeats, with min–max in "
          "parentheses where it was measured more than once; \"line\" lists the repeats' lines in the results file.\n\n" +
          runs_table(results);
  return text;
}

}  // namespace paratrain::report
