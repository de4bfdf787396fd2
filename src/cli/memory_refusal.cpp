#include "cli/memory_refusal.h"

#include <cstdio>

#include "parallel/memory_plan.h"
#include "plan/run_prediction.h"

namespace paratrain {

void print_memory_refusal(const std::string& refusal, const TrainOptions& options, int ranks) {
  // The ranks of a local run share this host's memory (one host: the
  // refusal's own assumption for the ranks it counts).
  const double per_rank = static_cast<double>(available_memory().bytes) / ranks;
  std::string hint;
  try {
    hint = refusal_hint(options, ranks, per_rank);
  } catch (const std::exception& error) {
    hint = std::string("no planner hint (") + error.what() + ")";
  }
  std::fprintf(stderr, "paratrain: error: %s; %s\n", refusal.c_str(), hint.c_str());
}

}  // namespace paratrain
