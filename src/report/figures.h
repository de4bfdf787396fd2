#pragma once
// What a figure shows, as data: chosen from the results by the selection
// functions, drawn by the gnuplot writer, described by the Markdown writer.
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "report/step_timeline.h"

namespace paratrain::report {

enum class YAxis { left, right };
enum class Dash { solid, dashed };

struct Point {
  double x = 0.0;
  double y = 0.0;
  // The spread over the point's repeats (min, max); empty: drawn without error bars.
  std::optional<double> low{}, high{};
};

// A series that belongs to no strategy (a model curve) is drawn in black.
constexpr int kNeutralColor = -1;

struct Series {
  std::string title;
  int color = 0;  // index into the palette; one colour per strategy across figures
  Dash dash = Dash::solid;
  YAxis axis = YAxis::left;
  std::vector<Point> points;  // sorted by x
};

struct LineFigure {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::string y2_label;  // empty: one y axis
  bool log2_x = false;
  std::vector<Series> series;
};

// One bar per label; each bar stacks `values[bar][stack]`.
struct BarFigure {
  std::string title;
  std::string y_label;
  std::vector<std::string> bars;
  std::vector<std::string> stacks;
  std::vector<std::vector<double>> values;  // (bars, stacks)
  std::vector<double> totals;               // printed above each bar; empty: the stack's sum
  // Per bar, the spread of its total over repeats (min, max), drawn as error
  // bars; empty: none.
  std::vector<std::pair<double, double>> ranges;
};

struct TimelinePanel {
  std::string title;
  StepTimeline timeline;
};

// Panels stacked top to bottom on one time axis, rows = ranks.
struct TimelineFigure {
  std::string title;
  std::vector<TimelinePanel> panels;
};

using FigureData = std::variant<LineFigure, BarFigure, TimelineFigure>;

// One numbered entry of the report: a figure to draw, or the reason it is skipped.
struct FigurePlan {
  std::string stem;         // file name without extension: stem.png, stem.gp, stem.dat
  std::string heading;      // the report's section title
  std::string note;         // what the figure uses (config, rank, step), computed
  std::string skip_reason;  // non-empty: nothing is drawn
  FigureData data;
  bool skipped() const { return !skip_reason.empty(); }
};

// PNG size of every figure; the test reads it back from the files.
constexpr int kFigureWidth = 1000;
constexpr int kFigureHeight = 600;
constexpr int kTimelinePanelHeight = 320;

}  // namespace paratrain::report
