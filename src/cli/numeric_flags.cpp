#include "cli/numeric_flags.h"


#include <cmath>
#include <cstdlib>
#include <string>

namespace paratrain {

namespace {

bool is_numeric_type(const std::string& type_name) {
  return type_name == "INT" || type_name == "UINT" || type_name == "FLOAT" || type_name == "NUMBER";
}

// Empty when `text` is a finite number, else why not.
std::string check_finite_number(const std::string& text) {
  if (text.find_first_not_of(" \t") == std::string::npos) return "an empty value is not a number";
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  // Not a number at all: the option's own conversion names the problem.
  if (end == text.c_str()) return "";
  if (!std::isfinite(value)) return "'" + text + "' is not a finite number";
  return "";
}

void guard_options(CLI::App& app) {
  const CLI::Validator finite(check_finite_number, "", "finite number");
  for (CLI::Option* option : app.get_options()) {
    if (option->get_type_size() != 0 && is_numeric_type(option->get_type_name())) option->check(finite);
  }
  for (CLI::App* sub : app.get_subcommands({})) guard_options(*sub);
}

}  // namespace

void guard_numeric_flags(CLI::App& app) { guard_options(app); }

}  // namespace paratrain
