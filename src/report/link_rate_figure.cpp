// Tokens/s against link rate for the runs across namespace hosts.
#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>

#include "report/host_runs.h"

namespace paratrain::report {

void read_host_fields(const nlohmann::json& record, RunRecord& run) {
  if (record.contains("hosts") && record.at("hosts").is_number_integer()) run.hosts = record.at("hosts").get<int>();
  if (record.contains("link_rate") && record.at("link_rate").is_string())
    run.link_rate = record.at("link_rate").get<std::string>();
  if (record.contains("placement") && record.at("placement").is_string())
    run.placement = record.at("placement").get<std::string>();
}

std::string host_strategy_label(const RunRecord& run) {
  if (run.layout.tp < 2 || run.layout.devices() <= run.hosts) return run.sweep.strategy;
  return run.sweep.strategy + (run.placement == "spread" ? " (tp across hosts)" : " (tp inside a host)");
}

double link_rate_bits(const std::string& rate) {
  static const std::regex pattern("([0-9]+)(bit|kbit|mbit|gbit|tbit)");
  static const std::map<std::string, double> scale{
      {"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"tbit", 1e12}};
  std::smatch match;
  if (!std::regex_match(rate, match, pattern)) return 0;
  return std::stod(match[1]) * scale.at(match[2]);
}

std::vector<std::string> link_rates_in(const std::vector<RunRecord>& runs) {
  std::vector<std::string> rates;
  for (const RunRecord& run : runs) {
    if (std::find(rates.begin(), rates.end(), run.link_rate) == rates.end()) rates.push_back(run.link_rate);
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
  for (const RunRecord& run : results.host_runs) {
    const std::string label = host_strategy_label(run);
    auto found = std::find(labels.begin(), labels.end(), label);
    if (found == labels.end()) {
      labels.push_back(label);
      figure.series.push_back(Series{label, static_cast<int>(labels.size()) - 1, Dash::solid, YAxis::left, {}});
      found = labels.end() - 1;
    }
    const double bits = link_rate_bits(run.link_rate);
    figure.series[found - labels.begin()].points.push_back({bits > 0 ? bits / 1e9 : unshaped_x, run.tokens_per_s});
  }
  for (Series& series : figure.series) {
    std::sort(series.points.begin(), series.points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
  }
  if (figure.series.empty()) {
    plan.skip_reason = "no run across hosts (sweep --hosts N --link-rate ...)";
  } else {
    const RunRecord& first = results.host_runs.front();
    char note[256];
    std::snprintf(note, sizeof(note),
                  "%d hosts over TCP between network namespaces; B=%d T=%d D=%d L=%d; unshaped links drawn at %g Gbit/s",
                  first.hosts, first.config.batch_size, first.config.seq_len, first.config.d_model,
                  first.config.n_layers, unshaped_x);
    plan.note = note;
  }
  plan.data = std::move(figure);
  return plan;
}

}  // namespace paratrain::report
