#pragma once
#include <string>

namespace paratrain::report {

// Writes the whole file; throws std::runtime_error naming it when that fails,
// so a full disk never leaves a half report that looks complete.
void write_text_file(const std::string& path, const std::string& text);

// Numbers as the report and the data files print them.
std::string fixed(double value, int decimals);

}  // namespace paratrain::report

namespace paratrain::report {

// An axis value as people write it: 8, not 8.000000.
std::string value_text(double value);
std::string percent(double fraction, int decimals = 1);  // 0.123 -> "12.3%"

}  // namespace paratrain::report
