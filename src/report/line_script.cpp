// Line figures: one data block per series (gnuplot's `index`), solid or dashed,
// on the left or right axis.
#include <filesystem>

#include "report/gnuplot_script.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

std::string data_text(const LineFigure& figure) {
  std::string text;
  for (const Series& series : figure.series) {
    text += "# " + series.title + "\n# x y low high (min and max over repeats)\n";
    for (const Point& point : series.points) {
      text += fixed(point.x, 6) + " " + fixed(point.y, 6) + " " + fixed(point.low.value_or(point.y), 6) + " " +
              fixed(point.high.value_or(point.y), 6) + "\n";
    }
    text += "\n\n";  // two blank lines end a gnuplot index block
  }
  return text;
}

std::string axes_text(const LineFigure& figure) {
  std::string text = "set xlabel " + gnuplot::quoted(figure.x_label) + "\n";
  text += "set ylabel " + gnuplot::quoted(figure.y_label) + "\n";
  text +=
      "set yrange [0:*]\nset grid\nset key outside right top\nset offsets graph 0.03, graph 0.03, "
      "0, 0\n";
  if (figure.log2_x) text += "set logscale x 2\n";
  if (!figure.y2_label.empty()) {
    text += "set y2label " + gnuplot::quoted(figure.y2_label) + "\n";
    text += "set ytics nomirror\nset y2tics\nset y2range [0:100]\n";
  }
  return text;
}

bool has_spread(const Series& series) {
  for (const Point& point : series.points) {
    if (point.low || point.high) return true;
  }
  return false;
}

}  // namespace

std::string write_line_figure(const LineFigure& figure, const std::string& stem,
                              const std::string& out_dir, PngTerminal terminal) {
  const std::string data_name = stem + ".dat";
  write_text_file((std::filesystem::path(out_dir) / data_name).string(), data_text(figure));
  std::string script =
      gnuplot::header(terminal, kFigureWidth, kFigureHeight, stem + ".png", figure.title);
  script += axes_text(figure);
  script += "plot \\\n";
  for (size_t index = 0; index < figure.series.size(); ++index) {
    const Series& series = figure.series[index];
    script += "  " + gnuplot::quoted(data_name) + " index " + std::to_string(index) +
              // Error bars from min to max over the repeats, where the series has them.
              (has_spread(series) ? " using 1:2:3:4 with yerrorlines" : " using 1:2 with linespoints") +
              " lw 2 ps 0.8" +
              (series.dash == Dash::dashed ? " pt 6" : " pt 7") + " lc rgb " +
              gnuplot::quoted(gnuplot::strategy_color(series.color)) +
              (series.dash == Dash::dashed ? " dt 2" : " dt 1") +
              (series.axis == YAxis::right ? " axes x1y2" : " axes x1y1") + " title " +
              gnuplot::quoted(series.title) + (index + 1 < figure.series.size() ? ", \\\n" : "\n");
  }
  const std::string script_name = stem + ".gp";
  write_text_file((std::filesystem::path(out_dir) / script_name).string(), script);
  return script_name;
}

}  // namespace paratrain::report
