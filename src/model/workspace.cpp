#include "model/workspace.h"

#include <algorithm>

#include "kernels/attention.h"

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
  // Selective recompute: a (T, T) for the recomputed softmax; bf16: one for
  // the rounded copy of att.
  const size_t attention_planes = static_cast<size_t>(kernels::attention_scratch_planes(
      config.recompute != Recompute::kSelective, config.precision == Precision::kBf16));
  attention = Buffer<float>(tracker, category, attention_planes * seq * seq);
  row_stats = Buffer<float>(tracker, category, 3 * full_rows);
  if (config.precision == Precision::kBf16) {
    const size_t widest = std::max({(3 * d + parts - 1) / parts,
                                    (static_cast<size_t>(config.ffn_width()) + parts - 1) / parts,
                                    (static_cast<size_t>(config.vocab_size) + parts - 1) / parts, d});
    bf16_input = Buffer<kernels::Bf16>(tracker, category, full_rows * d);
    bf16_grad = Buffer<kernels::Bf16>(tracker, category, full_rows * widest);
    if (d_hidden.size() < d_qkv.size()) qkv_widened = Buffer<float>(tracker, category, d_qkv.size());
  }
  if (config.recompute == Recompute::kSelective) {
    if (config.precision == Precision::kBf16) {
      activated_bf16 = Buffer<kernels::Bf16>(tracker, category, d_hidden.size());
    } else {
      activated = Buffer<float>(tracker, category, d_hidden.size());
    }
  }
  if (tp.splits_sequence()) {
    sequence_gathered = Buffer<float>(tracker, category, full_rows * d);
    sequence_partial = Buffer<float>(tracker, category, full_rows * d);
    sequence_staging = Buffer<float>(tracker, category, full_rows * d);
  }
}

}  // namespace paratrain
