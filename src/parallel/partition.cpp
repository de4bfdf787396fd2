#include "parallel/partition.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "model/pieces.h"

namespace paratrain {

PartitionCosts modelled_partition_costs(const ModelConfig& model) {
  const double d = model.d_model, t = model.seq_len, vocab = model.vocab_size;
  PartitionCosts costs;
  costs.embed = 2.0 * d;                            // gather, add (no GEMM)
  costs.attention = 2.0 * 4 * d * d + 4.0 * t * d;  // qkv, proj, and attention's two products
  costs.mlp = 2.0 * 2 * model.ffn_mult * d * d;     // fc1, fc2
  costs.head = 2.0 * vocab * d + 5.0 * vocab;       // lm_head and the softmax
  return costs;
}

std::vector<int> balanced_partition(const ModelConfig& model, int stages,
                                    const PartitionCosts& costs) {
  const int units = partition_unit_count(model);
  PT_CHECK(stages >= 1 && stages <= units, "more stages than partition units");
  // prefix[u]: the cost of units [0, u).
  std::vector<double> prefix(units + 1, 0.0);
  for (int unit = 0; unit < units; ++unit) {
    double cost = unit == 0             ? costs.embed
                  : unit == units - 1   ? costs.head
                  : (unit - 1) % 2 == 0 ? costs.attention
                                        : costs.mlp;
    prefix[unit + 1] = prefix[unit] + cost;
  }
  const double inf = std::numeric_limits<double>::infinity();
  // best[s][u]: the least costliest-stage of units [0, u) in s stages.
  std::vector<std::vector<double>> best(stages + 1, std::vector<double>(units + 1, inf));
  std::vector<std::vector<int>> cut(stages + 1, std::vector<int>(units + 1, 0));
  best[0][0] = 0;
  for (int stage = 1; stage <= stages; ++stage) {
    for (int used = stage; used <= units; ++used) {
      for (int prev = used - 1; prev >= stage - 1;
           --prev) {  // latest cut first: ties keep earlier stages fuller
        const double value = std::max(best[stage - 1][prev], prefix[used] - prefix[prev]);
        if (value < best[stage][used] * (1 - 1e-12)) {
          best[stage][used] = value;
          cut[stage][used] = prev;
        }
      }
    }
  }
  std::vector<int> counts(stages);
  for (int stage = stages, used = units; stage > 0; --stage) {
    counts[stage - 1] = used - cut[stage][used];
    used = cut[stage][used];
  }
  return counts;
}

std::vector<int> partition_from_blocks(const std::vector<int>& blocks) {
  std::vector<int> units;
  for (int blocks_here : blocks) units.push_back(2 * blocks_here);
  if (!units.empty()) {
    units.front() += 1;
    units.back() += 1;
  }
  return units;
}

namespace {

[[noreturn]] void bad_partition(const std::string& text, const std::string& why) {
  throw UsageError("--partition " + why + " (got '" + text +
                   "'); write e.g. 2,2 or embed+1.5|2.5+head");
}

}  // namespace

std::vector<int> parse_partition(const std::string& text) {
  std::vector<std::string> stages;
  std::string stage;
  for (char c : text + "|") {
    if (c == '|' || c == ',') {
      stages.push_back(stage);
      stage.clear();
    } else {
      stage += c;
    }
  }
  if (text.empty()) bad_partition(text, "must not be empty");
  std::vector<int> units;
  for (size_t index = 0; index < stages.size(); ++index) {
    const bool first = index == 0, last = index + 1 == stages.size();
    bool embed = false, head = false, counted = false;
    int halves = 0;
    std::stringstream parts(stages[index]);
    std::string part;
    while (std::getline(parts, part, '+')) {
      if (part == "embed") {
        if (!first || embed) bad_partition(text, "has 'embed' only once, in the first stage");
        embed = true;
      } else if (part == "head") {
        if (!last || head) bad_partition(text, "has 'head' only once, in the last stage");
        head = true;
      } else {
        double blocks = 0;
        size_t used = 0;
        try {
          blocks = std::stod(part, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != part.size() || part.empty() || counted || !std::isfinite(blocks) ||
            blocks <= 0 || blocks > 1e6 || std::fabs(blocks * 2 - std::round(blocks * 2)) > 1e-9) {
          bad_partition(text, "needs one block count per stage, a positive multiple of 0.5");
        }
        halves = static_cast<int>(std::lround(blocks * 2));
        counted = true;
      }
    }
    if (!counted && !(first && embed) && !(last && head)) {
      bad_partition(text, "has an empty stage");
    }
    units.push_back(halves + (first ? 1 : 0) + (last ? 1 : 0));
  }
  return units;
}

std::string partition_text(const std::vector<int>& units) {
  std::string text;
  for (size_t index = 0; index < units.size(); ++index) {
    const bool first = index == 0, last = index + 1 == units.size();
    const int halves = units[index] - (first ? 1 : 0) - (last ? 1 : 0);
    std::string stage = first ? "embed" : "";
    if (halves > 0) {
      if (!stage.empty()) stage += "+";
      stage += std::to_string(halves / 2) + (halves % 2 != 0 ? ".5" : "");
    }
    if (last) stage += stage.empty() ? "head" : "+head";
    text += (index > 0 ? "|" : "") + stage;
  }
  return text;
}

}  // namespace paratrain
