#include "report/text_file.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace paratrain::report {

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write '" + path + "'");
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace paratrain::report

namespace paratrain::report {

std::string value_text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string percent(double fraction, int decimals) {
  return fixed(100.0 * fraction, decimals) + "%";
}

}  // namespace paratrain::report
