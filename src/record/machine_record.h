#pragma once
// The machine a sweep measured on, as it was when the sweep started: sampled
// once by each sweep invocation that has points to run and stored in each
// record it appends as "machine": {...} (so the results file stays one record
// per line for every reader), read back by the report for its header.
// Numbers on a shared machine move; this says how busy it was.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace paratrain {

struct MachineRecord {
  std::string cpu_model;  // /proc/cpuinfo "model name"; "unknown" when absent
  int cores = 0;          // online cores counted in /proc/stat
  double load_1min = 0, load_5min = 0, load_15min = 0;  // /proc/loadavg
  // Cores kept busy by other processes, sampled from /proc/stat over a short
  // window just before the first point: (busy jiffies / all jiffies) x cores.
  double busy_cores = 0;
  std::string started;  // UTC time, ISO 8601
  bool operator==(const MachineRecord&) const = default;
};

// A busy-core count at or above this means other work shares the cores.
constexpr double kBusyCoreWarning = 0.5;

nlohmann::json to_json(const MachineRecord& machine);
// A record's "machine" object; empty when the record has none (older files,
// lone bench records). Throws JsonFieldError naming a mistyped field.
std::optional<MachineRecord> read_machine(const nlohmann::json& record);

// Reads /proc (sleeping `sample_s` seconds between two reads of /proc/stat).
MachineRecord sample_machine(double sample_s);

}  // namespace paratrain
