#pragma once
// Writes a figure as a gnuplot script and its data files into the report
// folder, so `cd DIR && gnuplot STEM.gp` redraws STEM.png by hand.
#include <string>

#include "report/figures.h"

namespace paratrain::report {

// The PNG terminals gnuplot may offer; pngcairo draws smoother text and lines.
enum class PngTerminal { pngcairo, png };

// Writes STEM.gp (and STEM*.dat) into out_dir; returns the script's file name.
// Throws std::runtime_error when a file cannot be written.
std::string write_gnuplot_files(const FigurePlan& plan, const std::string& out_dir,
                                PngTerminal terminal);

// Pieces the figure writers share.
namespace gnuplot {
std::string quoted(const std::string& text);  // a gnuplot double-quoted string
std::string header(PngTerminal terminal, int width, int height, const std::string& png_name,
                   const std::string& title);
const char* strategy_color(int index);  // a distinct colour per strategy
const char* stack_color(int index);
const char* activity_color(EventKind kind);
}  // namespace gnuplot

std::string write_line_figure(const LineFigure& figure, const std::string& stem,
                              const std::string& out_dir, PngTerminal terminal);
std::string write_bar_figure(const BarFigure& figure, const std::string& stem,
                             const std::string& out_dir, PngTerminal terminal);
std::string write_timeline_figure(const TimelineFigure& figure, const std::string& stem,
                                  const std::string& out_dir, PngTerminal terminal);

}  // namespace paratrain::report
