// Tokens/s against link rate for the runs across namespace hosts.
#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>

#include "report/host_runs.h"

namespace paratrain::report {

std::string host_strategy_label(const MeasuredRun& run) {
  const int ranks = run.layout.grid.dp * run.layout.grid.pp * run.layout.grid.tp;
  if (run.layout.grid.tp < 2 || ranks <= run.host_count()) return run.point.strategy;
  return run.point.strategy + (link_placement(run) == "spread" ? " (tp across hosts)" : " (tp inside a host)");
}

std::string link_rate_of(const MeasuredRun& run) { return run.hosts ? run.hosts->link_rate : "unshaped"; }
std::string link_placement(const MeasuredRun& run) { return run.hosts ? run.hosts->placement : ""; }

double link_rate_bits(const std::string& rate) {
  static const std::regex pattern("([0-9]+)(bit|kbit|mbit|gbit|tbit)");
  static const std::map<std::string, double> scale{
      {"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"tbit", 1e12}};
  std::smatch match;
  if (!std::regex_match(rate, match, pattern)) return 0;
  return std::stod(match[1]) * scale.at(match[2]);
}

std::vector<std::string> link_rates_in(const std::vector<MeasuredRun>& runs) {
  std::vector<std::string> rates;
  for (const MeasuredRun& run : runs) {
    const std::string rate = link_rate_of(run);
    if (std::find(rates.begin(), rates.end(), rate) == rates.end()) rates.push_back(rate);
  }
  // Slowest first; unshaped (0 bits/s) is faster than any shaped rate.
  auto order = [](const std::string& rate) {
    const double bits = link_rate_bits(rate);
    return bits == 0 ? 1e300 : bits;
  };
  std::sort(rates.begin(), rates.end(),
            [&order](const std::string& a, const std::string& b) { return order(a) < order(b); });
  return rates;
}

FigurePlan link_rate_figure(const Results& results) {
  FigurePlan plan;
  plan.stem = "tokens_vs_link_rate";
  plan.heading = "Tokens/s against link rate, across hosts";
  LineFigure figure{"tokens/s against the hosts' link rate", "link rate (Gbit/s)", "tokens/s", "", true, {}};
  const std::vector<std::string> rates = link_rates_in(results.host_runs);
  double fastest = 0;
  for (const std::string& rate : rates) fastest = std::max(fastest, link_rate_bits(rate));
  const double unshaped_x = fastest > 0 ? 2 * fastest / 1e9 : 1.0;
  std::vector<std::string> labels;
  for (const MeasuredRun& run : results.host_runs) {
    const std::string label = host_strategy_label(run);
    auto found = std::find(labels.begin(), labels.end(), label);
    if (found == labels.end()) {
      labels.push_back(label);
      figure.series.push_back(Series{label, static_cast<int>(labels.size()) - 1, Dash::solid, YAxis::left, {}});
      found = labels.end() - 1;
    }
    const double bits = link_rate_bits(link_rate_of(run));
    Point point{bits > 0 ? bits / 1e9 : unshaped_x, run.tokens_per_s, {}, {}};
    if (run.repeats > 1) {
      point.low = run.tokens_spread.low;  // min to max over the repeats
      point.high = run.tokens_spread.high;
    }
    figure.series[found - labels.begin()].points.push_back(point);
  }
  for (Series& series : figure.series) {
    std::sort(series.points.begin(), series.points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
  }
  if (figure.series.empty()) {
    plan.skip_reason = "no run across hosts (sweep --hosts N --link-rate ...)";
  } else {
    const MeasuredRun& first = results.host_runs.front();
    char note[256];
    std::snprintf(note, sizeof(note),
                  "%d hosts over TCP between network namespaces; B=%d T=%d D=%d L=%d; unshaped links drawn at %g Gbit/s",
                  first.host_count(), first.config.batch_size, first.config.seq_len, first.config.d_model,
                  first.config.n_layers, unshaped_x);
    plan.note = note;
  }
  plan.data = std::move(figure);
  return plan;
}

}  // namespace paratrain::report
