#pragma once
// Finds gnuplot, asks it which PNG terminal it has, and draws scripts.
#include <string>

#include "report/gnuplot_script.h"

namespace paratrain::report {

class GnuplotRunner {
 public:
  // Throws UsageError when gnuplot is not on PATH or draws no PNG.
  static GnuplotRunner find();

  PngTerminal terminal() const { return terminal_; }
  const std::string& path() const { return path_; }

  // Runs `script_name` inside out_dir (the script names its files relative to
  // it); throws std::runtime_error with gnuplot's error on failure.
  void draw(const std::string& script_name, const std::string& out_dir) const;

 private:
  GnuplotRunner(std::string path, PngTerminal terminal)
      : path_(std::move(path)), terminal_(terminal) {}

  std::string path_;
  PngTerminal terminal_;
};

}  // namespace paratrain::report
