#include "sweep/host_launch.h"

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <stdexcept>

#include "core/child_process.h"
#include "core/error.h"
#include "sweep/process.h"

#ifndef PARATRAIN_HOSTS_SCRIPT
#error "PARATRAIN_HOSTS_SCRIPT must name scripts/hosts.sh (set by CMakeLists.txt)"
#endif

namespace paratrain {

namespace {

const std::regex& rate_pattern() {
  static const std::regex pattern("([0-9]+)(bit|kbit|mbit|gbit|tbit)");
  return pattern;
}

constexpr double kHostsCommandTimeoutS = 120;

void run_hosts_script(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv{"bash", hosts_script()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  const ChildResult result = run_child({argv, "", kHostsCommandTimeoutS, false});
  if (result.exit_code != 0) {
    std::string said = failure_line(result.err);
    if (said.empty()) said = "exit status " + std::to_string(result.exit_code);
    throw std::runtime_error("scripts/hosts.sh " + arguments.front() + " failed: " + said);
  }
}

}  // namespace

std::optional<std::string> hosts_unusable_reason() {
  try {
    run_hosts_script({"check"});
    return std::nullopt;
  } catch (const std::runtime_error& error) {
    return std::string(error.what());
  }
}

const char* rank_placement_name(RankPlacement placement) {
  switch (placement) {
    case RankPlacement::kPacked: return "packed";
    case RankPlacement::kSpread: return "spread";
  }
  return "unknown";
}

RankPlacement parse_rank_placement(const std::string& text) {
  if (text == "packed") return RankPlacement::kPacked;
  if (text == "spread") return RankPlacement::kSpread;
  throw UsageError("--placement must be packed or spread, got '" + text + "'");
}

std::string HostPlacement::key_suffix() const {
  if (!across_hosts()) return "";
  return "|hosts=" + std::to_string(hosts) + ",link=" + link_rate +
         ",placement=" + rank_placement_name(placement);
}

void check_link_rate(const std::string& rate) {
  std::smatch match;
  if (rate == "unshaped") return;
  if (!std::regex_match(rate, match, rate_pattern()) || std::stod(match[1]) <= 0) {
    throw UsageError("--link-rate must be a number with bit, kbit, mbit, gbit or tbit (e.g. 100mbit), "
                     "or unshaped; got '" + rate + "'");
  }
}

double link_rate_bits_per_s(const std::string& rate) {
  std::smatch match;
  if (!std::regex_match(rate, match, rate_pattern())) return 0;
  const std::string unit = match[2];
  const double scale = unit == "bit"    ? 1
                       : unit == "kbit" ? 1e3
                       : unit == "mbit" ? 1e6
                       : unit == "gbit" ? 1e9
                                        : 1e12;
  return std::stod(match[1]) * scale;
}

std::string hosts_script() {
  const char* configured = std::getenv("PARATRAIN_HOSTS_SCRIPT");
  return configured != nullptr && *configured != '\0' ? configured : PARATRAIN_HOSTS_SCRIPT;
}

std::vector<std::string> hosts_launch_command(const std::vector<std::string>& bench, int ranks,
                                              const HostPlacement& where) {
  // No -q: mpirun's own notice is what names a rank killed on another host
  // (hosts.sh repeats it as its last line, which the sweep records).
  std::vector<std::string> command{"bash", hosts_script(), "mpirun", "-np", std::to_string(ranks)};
  if (where.placement == RankPlacement::kSpread) command.insert(command.end(), {"--map-by", "node"});
  command.insert(command.end(), bench.begin(), bench.end());
  return command;
}

HostLabel host_label(const HostPlacement& where) {
  HostLabel label;
  label.hosts = where.hosts;
  label.link_rate = where.across_hosts() ? where.link_rate : "unshaped";
  if (where.across_hosts()) label.placement = rank_placement_name(where.placement);
  return label;
}

HostSession::~HostSession() {
  if (hosts_up_ == 0) return;
  try {
    run_hosts_script({"down"});
  } catch (const std::exception& error) {
    std::fprintf(stderr, "paratrain sweep: %s\n", error.what());
  }
}

void HostSession::prepare(const HostPlacement& where) {
  if (!where.across_hosts()) return;
  if (hosts_up_ != where.hosts) {
    run_hosts_script({"up", std::to_string(where.hosts), "--rate", where.link_rate});
    hosts_up_ = where.hosts;
    rate_ = where.link_rate;
    std::fprintf(stderr, "paratrain sweep: %d namespace hosts up, links %s\n", where.hosts, rate_.c_str());
  } else if (rate_ != where.link_rate) {
    run_hosts_script({"rate", where.link_rate});
    rate_ = where.link_rate;
    std::fprintf(stderr, "paratrain sweep: links now %s\n", rate_.c_str());
  }
}

}  // namespace paratrain
