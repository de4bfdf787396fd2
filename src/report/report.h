#pragma once
// `paratrain report`: results file in, report.md and gnuplot figures out.
#include <string>

namespace paratrain {

// Reads RESULTS (JSON lines), writes DIR/report.md, DIR/*.png and the gnuplot
// scripts and data that drew them. Returns 0. Throws UsageError (exit code 2)
// for bad input: an unreadable results file, a malformed line (named), a DIR
// that cannot be written, no gnuplot; std::runtime_error when gnuplot fails.
int write_report(const std::string& results_path, const std::string& out_dir);

}  // namespace paratrain
