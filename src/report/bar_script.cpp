// Bar figures: gnuplot's row-stacked histogram, one row per bar, the total
// printed above each bar.
#include <filesystem>

#include "report/gnuplot_script.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

std::string data_text(const BarFigure& figure) {
  std::string text = "# bar";
  for (const std::string& stack : figure.stacks) text += " | " + stack;
  text += " | total\n";
  for (size_t bar = 0; bar < figure.bars.size(); ++bar) {
    double total = 0.0;
    text += gnuplot::quoted(figure.bars[bar]);
    for (double value : figure.values[bar]) {
      text += " " + fixed(value, 6);
      total += value;
    }
    if (bar < figure.totals.size()) total = figure.totals[bar];
    text += " " + fixed(total, 6);
    if (bar < figure.ranges.size()) {
      text += " " + fixed(figure.ranges[bar].first, 6) + " " + fixed(figure.ranges[bar].second, 6);
    }
    text += "\n";
  }
  return text;
}

}  // namespace

std::string write_bar_figure(const BarFigure& figure, const std::string& stem,
                             const std::string& out_dir, PngTerminal terminal) {
  const std::string data_name = stem + ".dat";
  write_text_file((std::filesystem::path(out_dir) / data_name).string(), data_text(figure));
  std::string script =
      gnuplot::header(terminal, kFigureWidth, kFigureHeight, stem + ".png", figure.title);
  script += "set ylabel " + gnuplot::quoted(figure.y_label) + "\nset xlabel \"strategy\"\n";
  script += "set style data histograms\nset style histogram rowstacked\n";
  script += "set style fill solid 0.9 border -1\nset boxwidth 0.6\nset yrange [0:*]\n";
  script += "set offsets 0, 0, graph 0.1, 0\nset grid ytics\nset key outside right top\n";
  // Strategy names are long: tilt them so neighbours do not overlap.
  script += "set xtics rotate by -25 left\n";
  script += "plot \\\n";
  const int total_column = static_cast<int>(figure.stacks.size()) + 2;
  for (size_t stack = 0; stack < figure.stacks.size(); ++stack) {
    script += "  " + gnuplot::quoted(data_name) + " using " + std::to_string(stack + 2) +
              (stack == 0 ? ":xtic(1)" : "") + " lc rgb " +
              gnuplot::quoted(gnuplot::stack_color(static_cast<int>(stack))) + " title " +
              gnuplot::quoted(figure.stacks[stack]) + ", \\\n";
  }
  const std::string total = std::to_string(total_column);
  script += "  " + gnuplot::quoted(data_name) + " using 0:" + total + ":(sprintf(\"%.3g\", $" +
            total + ")) with labels offset 0,0.8 notitle";
  if (!figure.ranges.empty()) {
    // Min to max of the total over the repeats.
    script += ", \\\n  " + gnuplot::quoted(data_name) + " using 0:" + total + ":" + std::to_string(total_column + 1) +
              ":" + std::to_string(total_column + 2) + " with yerrorbars lc rgb \"black\" pt -1 title \"min-max over repeats\"";
  }
  script += "\n";
  const std::string script_name = stem + ".gp";
  write_text_file((std::filesystem::path(out_dir) / script_name).string(), script);
  return script_name;
}

}  // namespace paratrain::report
