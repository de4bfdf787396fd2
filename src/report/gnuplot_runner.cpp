#include "report/gnuplot_runner.h"

#include <filesystem>
#include <stdexcept>

#include "core/error.h"
#include "core/child_process.h"

namespace paratrain::report {

namespace {

bool has_terminal(const std::string& gnuplot, const char* terminal) {
  // gnuplot exits non-zero on "unknown or ambiguous terminal type".
  try {
    return run_child({{gnuplot, "-e", std::string("set terminal ") + terminal}, "", 0, true}).exit_code == 0;
  } catch (const std::runtime_error&) {
    return false;  // it would not start
  }
}

// gnuplot ends on the error, after echoing the offending line and a caret.
std::string last_line(const std::string& text) {
  const size_t end = text.find_last_not_of(" \n");
  if (end == std::string::npos) return "(no message)";
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end + 1 - (start == std::string::npos ? 0 : start + 1));
}

}  // namespace

GnuplotRunner GnuplotRunner::find() {
  const std::string path = find_on_path("gnuplot");
  if (path.empty()) throw UsageError("gnuplot not found on PATH (install gnuplot-nox)");
  if (has_terminal(path, "pngcairo")) return GnuplotRunner(path, PngTerminal::pngcairo);
  if (has_terminal(path, "png")) return GnuplotRunner(path, PngTerminal::png);
  throw UsageError(path + " has neither the pngcairo nor the png terminal");
}

void GnuplotRunner::draw(const std::string& script_name, const std::string& out_dir) const {
  const ChildResult result = run_child({{path_, script_name}, out_dir, 0, true});
  if (result.exit_code != 0) {
    throw std::runtime_error("gnuplot failed on " +
                             (std::filesystem::path(out_dir) / script_name).string() + ": " +
                             last_line(result.out));
  }
}

}  // namespace paratrain::report
