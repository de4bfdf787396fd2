// Timeline figures: one panel per schedule (gnuplot multiplot), one row per
// rank, one box per trace event coloured by kind, micro-batch numbers on the
// compute boxes wide enough to hold them.
#include <algorithm>
#include <filesystem>

#include "report/gnuplot_script.h"
#include "report/text_file.h"

namespace paratrain::report {

namespace {

constexpr double kHalfRowHeight = 0.38;

struct PanelData {
  std::string text;
  std::vector<EventKind> kinds;  // the kind of each index block, in order
  bool has_labels = false;          // a final block of micro-batch labels
};

// EventKind's order, with the catch-all "other" last.
std::vector<EventKind> legend_order() {
  std::vector<EventKind> kinds;
  for (int index = 0; index < kEventKindCount; ++index) {
    if (static_cast<EventKind>(index) != EventKind::kOther) kinds.push_back(static_cast<EventKind>(index));
  }
  kinds.push_back(EventKind::kOther);
  return kinds;
}

PanelData panel_data(const StepTimeline& timeline, double axis_span_ms) {
  PanelData data;
  for (EventKind kind : legend_order()) {
    std::string block;
    for (const TraceBox& box : timeline.boxes) {
      if (box.kind != kind) continue;
      block += std::to_string(box.rank) + " " + fixed(box.start_ms, 6) + " " +
               fixed(box.end_ms, 6) + " " + std::to_string(box.micro_batch) + "\n";
    }
    if (block.empty()) continue;
    data.text += std::string("# ") + event_kind_name(kind) + ": rank start_ms end_ms micro_batch\n" +
                 block + "\n\n";
    data.kinds.push_back(kind);
  }
  std::string labels;
  for (const TraceBox& box : timeline.boxes) {
    const bool compute = box.kind == EventKind::kForward || box.kind == EventKind::kBackward ||
                         box.kind == EventKind::kWeight;
    if (!compute || box.micro_batch < 0 || box.end_ms - box.start_ms < axis_span_ms / 70) continue;
    labels += fixed((box.start_ms + box.end_ms) / 2, 6) + " " + std::to_string(box.rank) + " " +
              std::to_string(box.micro_batch) + "\n";
  }
  if (!labels.empty()) {
    data.text += "# micro-batch labels: x_ms rank micro_batch\n" + labels + "\n\n";
    data.has_labels = true;
  }
  return data;
}

std::string panel_script(const TimelinePanel& panel, const PanelData& data,
                         const std::string& data_name) {
  const int ranks = std::max(1, panel.timeline.ranks);
  std::string script = "set title " + gnuplot::quoted(panel.title) + "\n";
  script += "set yrange [" + fixed(ranks - 0.5, 1) + ":-0.5]\nset ytics (";
  for (int rank = 0; rank < ranks; ++rank) {
    script += (rank > 0 ? ", " : "") + gnuplot::quoted("rank " + std::to_string(rank)) + " " +
              std::to_string(rank);
  }
  script += ")\nplot \\\n";
  const std::string half = fixed(kHalfRowHeight, 2);
  for (size_t index = 0; index < data.kinds.size(); ++index) {
    const EventKind kind = data.kinds[index];
    script += "  " + gnuplot::quoted(data_name) + " index " + std::to_string(index) +
              " using (($2+$3)/2):1:2:3:($1-" + half + "):($1+" + half +
              ") with boxxyerror fs solid 0.85 border lc rgb \"#333333\" lc rgb " +
              gnuplot::quoted(gnuplot::activity_color(kind)) + " title " +
              gnuplot::quoted(event_kind_name(kind)) +
              (index + 1 < data.kinds.size() || data.has_labels ? ", \\\n" : "\n");
  }
  if (data.has_labels) {
    script += "  " + gnuplot::quoted(data_name) + " index " + std::to_string(data.kinds.size()) +
              " using 1:2:3 with labels font \",9\" tc rgb \"white\" notitle\n";
  }
  return script;
}

}  // namespace

std::string write_timeline_figure(const TimelineFigure& figure, const std::string& stem,
                                  const std::string& out_dir, PngTerminal terminal) {
  double span_ms = 0.0;
  for (const TimelinePanel& panel : figure.panels)
    span_ms = std::max(span_ms, panel.timeline.span_ms);
  const int panels = static_cast<int>(figure.panels.size());
  std::string script = gnuplot::header(terminal, kFigureWidth, kTimelinePanelHeight * panels,
                                       stem + ".png", figure.title);
  script += "unset title\nset multiplot layout " + std::to_string(panels) + ",1 title " +
            gnuplot::quoted(figure.title) + "\n";
  // One time axis for every panel, so the schedules' lengths compare by eye.
  script += "set xrange [0:" + fixed(span_ms * 1.02, 6) + "]\n";
  script += "set xlabel \"time since the step's first event (ms)\"\nset ylabel \"rank\"\n";
  script += "set key outside right top\nset grid xtics\n";
  for (int index = 0; index < panels; ++index) {
    const std::string data_name = stem + "_" + std::to_string(index) + ".dat";
    const PanelData data = panel_data(figure.panels[index].timeline, span_ms);
    write_text_file((std::filesystem::path(out_dir) / data_name).string(), data.text);
    script += panel_script(figure.panels[index], data, data_name);
  }
  script += "unset multiplot\n";
  const std::string script_name = stem + ".gp";
  write_text_file((std::filesystem::path(out_dir) / script_name).string(), script);
  return script_name;
}

}  // namespace paratrain::report
