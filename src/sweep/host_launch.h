#pragma once
// Sweep points across network-namespace hosts (scripts/hosts.sh): where the
// ranks of a point run, how its command line is built, and the hosts' life
// around a sweep. One host means the local run everything else uses.
#include <optional>
#include <string>
#include <vector>

#include "record/run_record.h"

namespace paratrain {

// How a point's ranks are dealt to hosts when there are more ranks than hosts.
enum class RankPlacement {
  kPacked,  // a host's ranks are consecutive: tp (the grid's fastest axis) stays inside a host
  kSpread,  // round-robin over hosts (mpirun --map-by node): tp goes across hosts
};

const char* rank_placement_name(RankPlacement placement);
// "packed" / "spread"; UsageError otherwise.
RankPlacement parse_rank_placement(const std::string& text);

struct HostPlacement {
  int hosts = 1;                        // 1: local, shared memory, no shaping
  std::string link_rate = "unshaped";   // tc rate as given ("100mbit") or "unshaped"
  RankPlacement placement = RankPlacement::kPacked;

  bool across_hosts() const { return hosts > 1; }
  // "" when local, else "|hosts=2,link=100mbit,placement=packed": appended to
  // a point's keys so each rate and placement is its own point.
  std::string key_suffix() const;
};

// UsageError unless `rate` is a positive number with bit, kbit, mbit, gbit or
// tbit, or "unshaped" (the forms scripts/hosts.sh accepts).
void check_link_rate(const std::string& rate);
// Bits per second of a rate; "unshaped" gives 0 (faster than any shaped rate).
double link_rate_bits_per_s(const std::string& rate);

// scripts/hosts.sh: $PARATRAIN_HOSTS_SCRIPT if set, else the source tree's.
std::string hosts_script();

// Whether namespace hosts can be made here (`hosts.sh check`: root, ip,
// a namespace created and removed): nullopt if so, else the reason in one line.
std::optional<std::string> hosts_unusable_reason();

// `bash hosts.sh mpirun -np K [--map-by node] BENCH...`.
std::vector<std::string> hosts_launch_command(const std::vector<std::string>& bench, int ranks,
                                              const HostPlacement& where);

// The record's "hosts" and "link_rate" (and "placement" across hosts).
HostLabel host_label(const HostPlacement& where);

// The namespace hosts for the length of a sweep: brought up on the first
// point that needs them, reshaped when a point's rate differs from the
// current one, taken down at the end. Throws std::runtime_error when
// hosts.sh fails (no root, no namespaces), naming its message.
class HostSession {
 public:
  HostSession() = default;
  HostSession(const HostSession&) = delete;
  HostSession& operator=(const HostSession&) = delete;
  ~HostSession();

  // Before launching a point: hosts up and the link at the point's rate.
  void prepare(const HostPlacement& where);

 private:
  int hosts_up_ = 0;
  std::string rate_;
};

}  // namespace paratrain
