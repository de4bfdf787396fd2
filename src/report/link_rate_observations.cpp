// What the runs across hosts show, computed from them: the winner at each
// link rate, where the lead changes hands, and what placing tp across hosts costs.
#include <cstdio>
#include <map>

#include "report/host_runs.h"

namespace paratrain::report {

namespace {

using TokensByLabel = std::map<std::string, double>;  // strategy label -> tokens/s

std::map<std::string, TokensByLabel> tokens_by_rate(const Results& results) {
  std::map<std::string, TokensByLabel> by_rate;
  for (const MeasuredRun& run : results.host_runs) by_rate[link_rate_of(run)][host_strategy_label(run)] = run.tokens_per_s;
  return by_rate;
}

std::pair<std::string, double> winner_of(const TokensByLabel& tokens) {
  std::pair<std::string, double> best{"", -1};
  for (const auto& [label, value] : tokens) {
    if (value > best.second) best = {label, value};
  }
  return best;
}

std::string rate_line(const std::string& rate, const TokensByLabel& tokens) {
  const auto [winner, best] = winner_of(tokens);
  std::string line = "At " + rate + ": **" + winner + "** leads";
  char text[128];
  for (const auto& [label, value] : tokens) {
    std::snprintf(text, sizeof(text), "%s %s %.0f tok/s (%.2fx)", label == tokens.begin()->first ? ";" : ",",
                  label.c_str(), value, value / best);
    line += text;
  }
  return line + ".";
}

// "dp2xtp2 (tp inside a host)" against "(tp across hosts)" at one rate.
void placement_line(const std::string& rate, const TokensByLabel& tokens, std::vector<std::string>& lines) {
  for (const auto& [label, inside] : tokens) {
    const auto cut = label.find(" (tp inside a host)");
    if (cut == std::string::npos) continue;
    const auto across = tokens.find(label.substr(0, cut) + " (tp across hosts)");
    if (across == tokens.end()) continue;
    char text[200];
    std::snprintf(text, sizeof(text), "At %s, %s with tp inside a host runs %.2fx the tokens/s of tp across hosts.",
                  rate.c_str(), label.substr(0, cut).c_str(), inside / across->second);
    lines.push_back(text);
  }
}

}  // namespace

ObservationSection link_rate_observations(const Results& results) {
  ObservationSection section{"Across hosts: which strategy wins at which link rate", {}};
  const auto by_rate = tokens_by_rate(results);
  const std::vector<std::string> rates = link_rates_in(results.host_runs);
  for (const std::string& rate : rates) section.lines.push_back(rate_line(rate, by_rate.at(rate)));
  for (size_t index = 1; index < rates.size(); ++index) {
    const std::string before = winner_of(by_rate.at(rates[index - 1])).first;
    const std::string after = winner_of(by_rate.at(rates[index])).first;
    if (before == after) continue;
    section.lines.push_back("Crossover between " + rates[index - 1] + " and " + rates[index] + ": " + after +
                            " overtakes " + before + ".");
  }
  if (rates.size() > 1 && section.lines.size() == rates.size()) {
    section.lines.push_back("No crossover: " + winner_of(by_rate.at(rates.front())).first +
                            " leads at every measured rate.");
  }
  for (const std::string& rate : rates) placement_line(rate, by_rate.at(rate), section.lines);
  if (section.lines.empty()) section.lines.push_back("No run across hosts.");
  return section;
}

}  // namespace paratrain::report
