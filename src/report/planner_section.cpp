// The report's "best layouts" section: the planner's ranking for the seed's
// model and for a 1.7B-parameter GPT (Megatron-LM's smallest Table 1 row) on
// one and on eight DGX A100 nodes, from the shipped description.
#include <cstdio>

#include "plan/layout_search.h"
#include "report/prediction_report.h"
#include "report/run_selection.h"

namespace paratrain::report {

namespace {

struct PlannedCase {
  std::string title;
  ModelConfig model;
  int nodes = 1;
};

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), pattern, value);
  return text;
}

std::string case_table(const PlannedCase& planned_case, const ClusterDescription& node, int top) {
  PlanRequest request;
  request.options.model = planned_case.model;
  request.cluster = node;
  request.cluster.nodes = planned_case.nodes;
  request.ranks = request.cluster.devices();
  request.precision = Precision::kBf16;
  const std::vector<PlannedLayout> planned = plan_layouts(request);
  size_t fitting = 0;
  for (const PlannedLayout& entry : planned) fitting += entry.fits ? 1 : 0;
  std::string text = "### " + planned_case.title + " on " + std::to_string(planned_case.nodes) + " node(s) (" +
                     std::to_string(request.ranks) + " GPUs)\n\n" + std::to_string(planned.size()) +
                     " layouts, " + std::to_string(fitting) + " fit in memory.\n\n" +
                     "| # | layout | tokens/s | tokens/s per GPU | step s | MFU | peak GiB per GPU |\n"
                     "|---:|---|---:|---:|---:|---:|---:|\n";
  for (size_t idx = 0; idx < planned.size() && idx < static_cast<size_t>(top); ++idx) {
    const StepPrediction& prediction = planned[idx].prediction;
    text += "| " + std::to_string(idx + 1) + " | " + planned[idx].label + (planned[idx].fits ? "" : " (does not fit)") +
            " | " + format("%.0f", prediction.tokens_per_s) + " | " +
            format("%.0f", prediction.tokens_per_s_per_device) + " | " + format("%.3f", prediction.step_s) + " | " +
            format("%.3f", prediction.mfu) + " | " +
            format("%.1f", static_cast<double>(prediction.peak_bytes) / (1u << 30)) + " |\n";
  }
  return text + "\n";
}

}  // namespace

std::string planner_best_layouts() {
  const std::string path = std::string(PARATRAIN_CLUSTERS_DIR) + "/dgx-a100-80gb.json";
  std::string text =
      "## The planner's best layouts\n\n"
      "`paratrain plan` on the shipped description `clusters/dgx-a100-80gb.json` (bf16 matmuls; activations, "
      "gradients and AdamW state in fp32 as this runtime keeps them; every layout also with selective and full "
      "recompute, which ranks first only where nothing faster fits), best first. "
      "Predictions only: nothing here was run. The GPT's global batch is 16 sequences, the largest power of two "
      "the runtime accepts at T = 2048, V = 51200 (B x T x V < 2^31).\n\n";
  ClusterDescription node;
  try {
    node = read_cluster_file(path);
  } catch (const std::exception& error) {
    return text + "Not available: " + error.what() + "\n\n";
  }
  ModelConfig seed;  // V1000 T256 D512 H8 L12 F4 B32
  // Megatron-LM (Narayanan et al. 2021) Table 1, 1.7B row, at a global batch
  // of 16 (not 512): the runtime refuses B x T x V >= 2^31 (ModelConfig::validate).
  ModelConfig gpt;
  gpt.vocab_size = 51200;
  gpt.seq_len = 2048;
  gpt.d_model = 2304;
  gpt.n_heads = 24;
  gpt.n_layers = 24;
  gpt.batch_size = 16;
  const std::vector<PlannedCase> cases = {
      {"Seed model (" + describe(seed) + ")", seed, 1},
      {"Seed model (" + describe(seed) + ")", seed, 8},
      {"GPT 1.7B (" + describe(gpt) + ", " + format("%.2f", gpt.parameter_count() / 1e9) + "B parameters)", gpt, 1},
      {"GPT 1.7B (" + describe(gpt) + ", " + format("%.2f", gpt.parameter_count() / 1e9) + "B parameters)", gpt, 8}};
  for (const PlannedCase& planned_case : cases) text += case_table(planned_case, node, 5);
  return text;
}

}  // namespace paratrain::report
