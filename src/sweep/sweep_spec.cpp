#include "sweep/sweep_spec.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "io/file_checks.h"

namespace paratrain {

namespace {

double parse_value(SweepField field, const std::string& text) {
  if (is_named_field(field)) return parse_named_value(field, text);
  double value = 0;
  try {
    size_t used = 0;
    value = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw UsageError(std::string("--grid ") + sweep_field_name(field) + ": '" + text +
                     "' is not a number");
  }
  return value;
}

void check_value(SweepField field, double value, const std::string& where) {
  if (!std::isfinite(value) || (is_integer_field(field) && value != std::floor(value))) {
    throw UsageError(where + ": " + sweep_field_name(field) + " takes whole numbers (got " +
                     std::to_string(value) + ")");
  }
  const double named_limit = field == SweepField::kPrecision ? 1 : 2;
  if (is_named_field(field) && (value < 0 || value > named_limit)) {
    throw UsageError(where + ": " + sweep_field_name(field) + " value out of range");
  }
  if (is_integer_field(field) && std::fabs(value) > 1e9) {
    throw UsageError(where + ": " + sweep_field_name(field) + " value out of range");
  }
}

GridAxis axis_from_json(const std::string& name, const nlohmann::json& values, const std::string& path) {
  GridAxis axis{parse_sweep_field(name), {}};
  if (!values.is_array()) throw UsageError(path + ": grid." + name + " must be a list of numbers");
  for (const auto& value : values) {
    if (is_named_field(axis.field) && value.is_string()) {  // "precision": ["fp32", "bf16"]
      axis.values.push_back(parse_named_value(axis.field, value.get<std::string>()));
      continue;
    }
    if (!value.is_number()) throw UsageError(path + ": grid." + name + " must be a list of numbers");
    check_value(axis.field, value.get<double>(), path + ": grid." + name);
    axis.values.push_back(value.get<double>());
  }
  return axis;
}

int whole_number(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number_integer()) throw UsageError(where + " must be a whole number");
  return value.get<int>();
}

}  // namespace

GridAxis parse_grid_flag(const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos) {
    throw UsageError("--grid takes field=v1,v2,... (got '" + text + "')");
  }
  GridAxis axis{parse_sweep_field(text.substr(0, equals)), {}};
  std::stringstream stream(text.substr(equals + 1));
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (item.empty()) throw UsageError("--grid " + text + ": empty value");
    axis.values.push_back(parse_value(axis.field, item));
    check_value(axis.field, axis.values.back(), "--grid");
  }
  if (axis.values.empty()) throw UsageError("--grid " + text + ": empty value list");
  return axis;
}

void check_grid_axes(const std::vector<GridAxis>& grid) {
  std::set<SweepField> seen;
  for (const GridAxis& axis : grid) {
    if (axis.values.empty()) {
      throw UsageError(std::string("grid field ") + sweep_field_name(axis.field) + " has no values");
    }
    if (!seen.insert(axis.field).second) {
      throw UsageError(std::string("grid field ") + sweep_field_name(axis.field) + " given twice");
    }
  }
}

void load_sweep_file(const std::string& path, SweepSpec& spec) {
  const std::string text = read_input_file(path, "--sweep-file", 16 * kMiB);
  nlohmann::json file;
  try {
    file = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    throw UsageError("--sweep-file " + path + " is not JSON: " + error.what());
  }
  if (!file.is_object()) throw UsageError("--sweep-file " + path + " must hold a JSON object");
  for (const auto& [key, value] : file.items()) {
    if (key != "base" && key != "grid" && key != "strategies" && key != "warmup" && key != "steps" &&
        key != "repeats") {
      throw UsageError(path + ": unknown key '" + key + "' (expected base, grid, strategies, warmup, steps, repeats)");
    }
  }
  Layout base_layout;
  base_layout.micro_batch = spec.base_micro_batch;
  const nlohmann::json base = file.value("base", nlohmann::json::object());
  if (!base.is_object()) throw UsageError(path + ": base must be an object {field: value}");
  for (const auto& [name, value] : base.items()) {
    const SweepField field = parse_sweep_field(name);
    if (!value.is_number()) throw UsageError(path + ": base." + name + " must be a number");
    check_value(field, value.get<double>(), path + ": base." + name);
    apply_field(field, value.get<double>(), spec.base, base_layout);
  }
  spec.base_micro_batch = base_layout.micro_batch;
  if (file.contains("grid")) {
    if (!file["grid"].is_object()) throw UsageError(path + ": grid must be an object {field: [values]}");
    spec.grid.clear();
    for (const auto& [name, values] : file["grid"].items()) spec.grid.push_back(axis_from_json(name, values, path));
  }
  const nlohmann::json strategies = file.value("strategies", nlohmann::json::array());
  for (const auto& name : strategies) {
    if (!name.is_string()) throw UsageError(path + ": strategies must be a list of names");
    spec.strategies.push_back(parse_strategy(name.get<std::string>()));
  }
  if (file.contains("warmup")) spec.warmup = whole_number(file["warmup"], path + ": warmup");
  if (file.contains("steps")) spec.steps = whole_number(file["steps"], path + ": steps");
  if (file.contains("repeats")) spec.repeats = whole_number(file["repeats"], path + ": repeats");
}

}  // namespace paratrain
