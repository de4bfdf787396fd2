#include "model/workspace.h"

namespace paratrain {

Workspace::Workspace(MemoryTracker& tracker, const ModelConfig& config, int micro_batch) {
  const size_t rows = static_cast<size_t>(micro_batch) * config.seq_len;
  const size_t d = config.d_model, seq = config.seq_len;
  const auto category = MemoryCategory::kWorkspace;
  branch = Buffer<float>(tracker, category, rows * d);
  d_normed = Buffer<float>(tracker, category, rows * d);
  d_attention = Buffer<float>(tracker, category, rows * d);
  d_qkv = Buffer<float>(tracker, category, rows * 3 * d);
  d_hidden = Buffer<float>(tracker, category, rows * config.ffn_width());
  attention = Buffer<float>(tracker, category, 2 * seq * seq);
}

}  // namespace paratrain
