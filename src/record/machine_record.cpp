#include "record/machine_record.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/json_fields.h"

namespace paratrain {

namespace {

struct CpuTimes {
  long long busy = 0, total = 0;
  int cores = 0;
};

// /proc/stat: "cpu  user nice system idle iowait irq softirq steal ..." and one "cpuN" line per core.
CpuTimes read_cpu_times() {
  CpuTimes times;
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu", 0) != 0) break;
    if (line.size() > 3 && line[3] != ' ') {
      ++times.cores;
      continue;
    }
    std::istringstream fields(line.substr(3));
    long long value = 0;
    for (int column = 0; fields >> value && column < 8; ++column) {
      times.total += value;
      if (column != 3 && column != 4) times.busy += value;  // idle and iowait are not busy
    }
  }
  return times;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
  }
  return "unknown";
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace

nlohmann::json to_json(const MachineRecord& machine) {
  return {{"cpu_model", machine.cpu_model},
          {"cores", machine.cores},
          {"load_avg", {machine.load_1min, machine.load_5min, machine.load_15min}},
          {"busy_cores", machine.busy_cores},
          {"started", machine.started}};
}

std::optional<MachineRecord> read_machine(const nlohmann::json& record) {
  if (!json_has(record, "machine")) return std::nullopt;
  const nlohmann::json& line = record.at("machine");
  if (!line.is_object()) throw JsonFieldError("machine", "is not an object");
  MachineRecord machine;
  machine.cpu_model = json_text_or(line, "cpu_model", "unknown");
  machine.cores = json_int_or(line, "cores", 0);
  if (json_has(line, "load_avg")) {
    const nlohmann::json& load = line.at("load_avg");
    if (!load.is_array() || load.size() != 3 || !load[0].is_number() || !load[1].is_number() ||
        !load[2].is_number()) {
      throw JsonFieldError("load_avg", "is not three numbers");
    }
    machine.load_1min = load[0].get<double>();
    machine.load_5min = load[1].get<double>();
    machine.load_15min = load[2].get<double>();
  }
  if (json_has(line, "busy_cores")) machine.busy_cores = json_number(line, "busy_cores");
  machine.started = json_text_or(line, "started", "");
  return machine;
}

MachineRecord sample_machine(double sample_s) {
  MachineRecord machine;
  machine.cpu_model = cpu_model();
  machine.started = utc_now();
  std::ifstream("/proc/loadavg") >> machine.load_1min >> machine.load_5min >> machine.load_15min;
  const CpuTimes before = read_cpu_times();
  std::this_thread::sleep_for(std::chrono::duration<double>(sample_s));
  const CpuTimes after = read_cpu_times();
  machine.cores = after.cores;
  const long long total = after.total - before.total;
  if (total > 0) {
    machine.busy_cores = static_cast<double>(after.busy - before.busy) / static_cast<double>(total) * after.cores;
  }
  return machine;
}

}  // namespace paratrain
