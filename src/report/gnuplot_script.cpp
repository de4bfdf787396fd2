#include "report/gnuplot_script.h"

#include <array>
#include <variant>

namespace paratrain::report {

namespace gnuplot {

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

std::string header(PngTerminal terminal, int width, int height, const std::string& png_name,
                   const std::string& title) {
  const std::string size = " size " + std::to_string(width) + "," + std::to_string(height);
  // noenhanced: names such as batch_size must not turn into subscripts.
  std::string text = terminal == PngTerminal::pngcairo
                         ? "set terminal pngcairo" + size + " noenhanced font \"sans,11\"\n"
                         : "set terminal png" + size + " noenhanced\n";
  text += "set output " + quoted(png_name) + "\n";
  text += "set title " + quoted(title) + "\n";
  return text;
}

const char* strategy_color(int index) {
  if (index == kNeutralColor) return "#000000";
  static constexpr std::array<const char*, 10> kColors = {
      "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
      "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
  return kColors[static_cast<size_t>(index) % kColors.size()];
}

const char* stack_color(int index) {
  static constexpr std::array<const char*, 6> kColors = {"#4e79a7", "#f28e2b", "#e15759",
                                                         "#76b7b2", "#59a14f", "#edc948"};
  return kColors[static_cast<size_t>(index) % kColors.size()];
}

const char* activity_color(EventKind kind) {
  switch (kind) {
    case EventKind::kForward:
      return "#4e79a7";
    case EventKind::kBackward:
      return "#59a14f";
    case EventKind::kWeight:
      return "#9c755f";  // brown: apart from the input gradient's green
    case EventKind::kOptimizer:
      return "#b07aa1";
    case EventKind::kSend:
      return "#f28e2b";
    case EventKind::kRecv:
      return "#e15759";
    case EventKind::kAllReduce:
      return "#edc948";
    case EventKind::kWait:
      return "#ff9da7";
    default:
      break;  // other, and any kind without a colour of its own
  }
  return "#bab0ac";
}

}  // namespace gnuplot

std::string write_gnuplot_files(const FigurePlan& plan, const std::string& out_dir,
                                PngTerminal terminal) {
  if (const auto* line = std::get_if<LineFigure>(&plan.data)) {
    return write_line_figure(*line, plan.stem, out_dir, terminal);
  }
  if (const auto* bars = std::get_if<BarFigure>(&plan.data)) {
    return write_bar_figure(*bars, plan.stem, out_dir, terminal);
  }
  return write_timeline_figure(std::get<TimelineFigure>(plan.data), plan.stem, out_dir, terminal);
}

}  // namespace paratrain::report
