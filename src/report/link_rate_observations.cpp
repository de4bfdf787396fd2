// What the runs across hosts show, computed from them: the winner at each
// link rate, where the lead changes hands, and what placing tp across hosts costs.
#include <cstdio>
#include <map>

#include "report/host_runs.h"
#include "report/noise.h"

namespace paratrain::report {

namespace {

using RunsByLabel = std::map<std::string, const MeasuredRun*>;  // strategy label -> its run

std::map<std::string, RunsByLabel> runs_by_rate(const Results& results) {
  std::map<std::string, RunsByLabel> by_rate;
  for (const MeasuredRun& run : results.host_runs) by_rate[link_rate_of(run)][host_strategy_label(run)] = &run;
  return by_rate;
}

// The label with the most tokens/s, and whether its lead over every other is beyond noise (noise.h).
struct Leader {
  std::string label;
  const MeasuredRun* run = nullptr;
  bool clear = true;
};

Leader leader_of(const RunsByLabel& runs) {
  Leader leader;
  for (const auto& [label, run] : runs) {
    if (leader.run == nullptr || run->tokens_per_s > leader.run->tokens_per_s) leader = {label, run, true};
  }
  for (const auto& [label, run] : runs) {
    if (run != leader.run && !beyond_noise(tokens_range(*leader.run), tokens_range(*run))) leader.clear = false;
  }
  return leader;
}

std::string rate_line(const std::string& rate, const RunsByLabel& runs) {
  const Leader leader = leader_of(runs);
  std::string line = "At " + rate + ": " +
                     (leader.clear ? "**" + leader.label + "** leads"
                                   : "no clear leader (**tied within noise** with " + leader.label + ")");
  char text[192];
  for (const auto& [label, run] : runs) {
    std::snprintf(text, sizeof(text), "%s %s %.0f tok/s (%.2fx)", label == runs.begin()->first ? ";" : ",",
                  label.c_str(), run->tokens_per_s, run->tokens_per_s / leader.run->tokens_per_s);
    line += text;
    const std::string range = range_text(tokens_range(*run), run->repeats);
    if (!range.empty()) line += " [" + range + "]";
    // The planner's prediction over this link (sweep/host_cluster.h); it maps
    // tp inside a node, so a spread placement has none of its own.
    if (run->predicted && run->predicted->tokens_per_s > 0 && link_placement(*run) != "spread") {
      std::snprintf(text, sizeof(text), ", predicted %.0f (%+.0f%%)", run->predicted->tokens_per_s,
                    100.0 * (run->predicted->tokens_per_s / run->tokens_per_s - 1.0));
      line += text;
    }
  }
  return line + ".";
}

// "dp2xtp2 (tp inside a host)" against "(tp across hosts)" at one rate.
void placement_line(const std::string& rate, const RunsByLabel& runs, std::vector<std::string>& lines) {
  for (const auto& [label, inside] : runs) {
    const auto cut = label.find(" (tp inside a host)");
    if (cut == std::string::npos) continue;
    const auto across = runs.find(label.substr(0, cut) + " (tp across hosts)");
    if (across == runs.end()) continue;
    const MeasuredRun& other = *across->second;
    const bool apart = beyond_noise(tokens_range(*inside), tokens_range(other)) ||
                       beyond_noise(tokens_range(other), tokens_range(*inside));
    char text[240];
    std::snprintf(text, sizeof(text), "At %s, %s with tp inside a host runs %.2fx the tokens/s of tp across hosts%s.",
                  rate.c_str(), label.substr(0, cut).c_str(), inside->tokens_per_s / other.tokens_per_s,
                  apart ? "" : " (within noise)");
    lines.push_back(text);
  }
}

}  // namespace

ObservationSection link_rate_observations(const Results& results) {
  ObservationSection section{"Across hosts: which strategy wins at which link rate", {}};
  const auto by_rate = runs_by_rate(results);
  const std::vector<std::string> rates = link_rates_in(results.host_runs);
  for (const std::string& rate : rates) section.lines.push_back(rate_line(rate, by_rate.at(rate)));
  // A crossover is claimed between two rates that each have a leader beyond
  // noise, the nearest such pair: rates between them, where the leaders are
  // tied within noise, are where the lead changes hands.
  std::vector<std::string> clear_rates, tied_rates;
  for (const std::string& rate : rates) (leader_of(by_rate.at(rate)).clear ? clear_rates : tied_rates).push_back(rate);
  bool crossed = false;
  for (size_t index = 1; index < clear_rates.size(); ++index) {
    const Leader before = leader_of(by_rate.at(clear_rates[index - 1]));
    const Leader after = leader_of(by_rate.at(clear_rates[index]));
    if (before.label == after.label) continue;
    crossed = true;
    std::string between;
    for (const std::string& rate : rates) {
      const bool inside = link_rate_bits(rate) > link_rate_bits(clear_rates[index - 1]) &&
                          (link_rate_bits(clear_rates[index]) == 0 || link_rate_bits(rate) < link_rate_bits(clear_rates[index])) &&
                          link_rate_bits(rate) != 0;
      if (inside) between += (between.empty() ? "" : ", ") + rate;
    }
    section.lines.push_back("Crossover between " + clear_rates[index - 1] + " and " + clear_rates[index] + ": " +
                            after.label + " overtakes " + before.label +
                            (between.empty() ? "." : " (tied within noise at " + between + ")."));
  }
  if (rates.size() > 1 && !crossed) {
    std::string tied;
    for (const std::string& rate : tied_rates) tied += (tied.empty() ? "" : ", ") + rate;
    if (clear_rates.empty()) {
      section.lines.push_back("No crossover beyond noise: the leaders are tied within noise at every rate.");
    } else if (tied.empty()) {
      section.lines.push_back("No crossover: " + leader_of(by_rate.at(clear_rates.front())).label +
                              " leads at every measured rate.");
    } else {
      section.lines.push_back("No crossover beyond noise: " + leader_of(by_rate.at(clear_rates.front())).label +
                              " leads wherever a leader is clear; tied within noise at " + tied + ".");
    }
  }
  for (const std::string& rate : rates) placement_line(rate, by_rate.at(rate), section.lines);
  if (section.lines.empty()) section.lines.push_back("No run across hosts.");
  return section;
}

}  // namespace paratrain::report
