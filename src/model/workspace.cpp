#include "model/workspace.h"

namespace paratrain {

Workspace::Workspace(MemoryTracker& tracker, const ModelConfig& config, int micro_batch,
                     const TensorParallel& tp) {
  const size_t full_rows = static_cast<size_t>(micro_batch) * config.seq_len;
  const size_t local_rows = static_cast<size_t>(micro_batch) * tp.local_seq_len(config.seq_len);
  const size_t d = config.d_model, seq = config.seq_len, parts = tp.size();
  const auto category = MemoryCategory::kWorkspace;
  branch = Buffer<float>(tracker, category, local_rows * d);
  d_normed = Buffer<float>(tracker, category, local_rows * d);
  d_attention = Buffer<float>(tracker, category, full_rows * d / parts);
  d_qkv = Buffer<float>(tracker, category, full_rows * 3 * d / parts);
  d_hidden = Buffer<float>(tracker, category, full_rows * config.ffn_width() / parts);
  attention = Buffer<float>(tracker, category, 2 * seq * seq);
  row_stats = Buffer<float>(tracker, category, 3 * full_rows);
  if (tp.splits_sequence()) {
    sequence_gathered = Buffer<float>(tracker, category, full_rows * d);
    sequence_partial = Buffer<float>(tracker, category, full_rows * d);
    sequence_staging = Buffer<float>(tracker, category, full_rows * d);
  }
}

}  // namespace paratrain
