#pragma once
// Runs across network-namespace hosts (sweep --hosts N --link-rate ...): read
// apart from the local runs, drawn as tokens/s against link rate, with the
// winner at each rate and the crossovers computed from the data.
#include <string>
#include <vector>

#include "report/figures.h"
#include "report/observations.h"
#include "report/results.h"

namespace paratrain::report {

// "dp2xtp2 (tp inside a host)" / "(tp across hosts)" where the placement
// matters (more ranks than hosts, tp > 1), else the strategy itself.
std::string host_strategy_label(const MeasuredRun& run);
// The run's link rate ("unshaped" for a local run) and placement ("" when local).
std::string link_rate_of(const MeasuredRun& run);
std::string link_placement(const MeasuredRun& run);

// Bits per second of a link rate ("100mbit"); "unshaped" gives 0.
double link_rate_bits(const std::string& rate);

// The distinct link rates of the host runs, slowest first, "unshaped" last.
std::vector<std::string> link_rates_in(const std::vector<MeasuredRun>& runs);

// Tokens/s of each strategy against link rate (Gbit/s, log scale; unshaped
// drawn at twice the fastest shaped rate), one series per strategy label.
FigurePlan link_rate_figure(const Results& results);

// Per rate: tokens/s of each strategy and the winner; crossovers between
// adjacent rates; tp inside a host against tp across hosts.
ObservationSection link_rate_observations(const Results& results);

}  // namespace paratrain::report
