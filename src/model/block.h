#pragma once
#include <string>
#include <vector>

#include "core/memory.h"
#include "kernels/dropout.h"
#include "model/block_activations.h"
#include "model/config.h"
#include "model/parallel_linear.h"
#include "model/parameters.h"
#include "model/pieces.h"
#include "model/tensor_parallel.h"
#include "model/unit.h"
#include "model/workspace.h"

namespace paratrain {

// One pre-LayerNorm Transformer block (MODEL.md):
//   x = x + dropout(proj(attention(ln1(x))));  x = x + dropout(fc2(gelu(fc1(ln2(x)))))
// Under tensor parallelism (Megatron-LM) the rank holds heads
// [rank H / tp, ...) of qkv (column parallel) and the matching columns of proj
// (row parallel, summed over the group), and rows of fc1 / columns of fc2
// likewise: two all-reduces forward and two backward. With sequence
// parallelism the layernorm/dropout regions hold T / tp positions and the
// all-reduces become reduce-scatter + all-gather. Which of the two happens is
// the parallel linears' business (model/parallel_linear.h), not the block's.
// A pipeline stage boundary may cut a block between its halves
// (model/pieces.h): then each side runs a Block of one part, the attention
// half's output (x_mid) being what the stage sends on, and holds only that
// part's parameters and saved activations.
class Block : public Unit {
 public:
  Block(const ModelConfig& config, int block_index, BlockPart part, ParameterTable& params,
        Workspace& workspace, const TensorParallel& tp, MemoryTracker& tracker, int micro_batch,
        int slots);
  void forward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
               float* out) override;
  void backward(const StepContext& ctx, const MicroBatchView& batch, int slot, const float* in,
                float* d_out, float* d_in) override;
  // The split keeps each linear layer's output gradient per slot (kept_).
  void allow_split_backward(MemoryTracker& tracker) override;
  void backward_input(const StepContext& ctx, const MicroBatchView& batch, int slot,
                      const float* in, float* d_out, float* d_in) override;
  void backward_weight(const StepContext& ctx, const MicroBatchView& batch, int slot) override;

  // Bytes saved for backward per slot in the layernorm/dropout regions (what
  // sequence parallelism divides by tp) and in the tensor-parallel regions.
  size_t sequence_region_bytes() const;
  size_t tensor_region_bytes() const;

 private:
  using Saved = BlockActivations;
  // What backward_input keeps for backward_weight, per slot: the output
  // gradient of each linear layer (its input is in Saved already).
  struct Kept {
    Buffer<float> d_qkv;  // (full rows, 3 D / tp)
    Buffer<float> d_proj;  // (local rows, D): after the residual dropout
    Buffer<float> d_fc1;  // (full rows, F D / tp): after GELU's backward
    Buffer<float> d_fc2;  // (local rows, D): after the residual dropout
  };
  struct Weights {
    float *ln1_w, *ln1_b, *qkv_w, *qkv_b, *proj_w, *proj_b, *ln2_w, *ln2_b, *fc1_w, *fc1_b,
        *fc2_w, *fc2_b;
  };
  // The block's tensors that `params` holds; the others stay null.
  static Weights bind(ParameterTable& params, const std::string& prefix, bool grads);
  static LinearWeights linear(const Weights& w, const Weights& dw, float* Weights::*weight,
                              float* Weights::*bias);

  // The branch's dropout on `data` (local rows, D), rows keyed by global position.
  void branch_dropout(const StepContext& ctx, kernels::DropoutSite site, const MicroBatchView& batch,
                      float* data) const;
  bool has_attention() const { return part_ != BlockPart::kMlp; }
  bool has_mlp() const { return part_ != BlockPart::kAttention; }
  // in -> x_mid (null: a recompute, which needs no residual sum), and
  // mid -> out (null likewise).
  void forward_attention(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                         const float* in, float* x_mid);
  void forward_mlp(const StepContext& ctx, const MicroBatchView& batch, Saved& s, const float* mid,
                   float* out);
  // The part's backward: d_out -> d_in. keep as below.
  void backward_part(const StepContext& ctx, const MicroBatchView& batch, Saved& s, const float* in,
                     float* d_out, float* d_in, Kept* keep);
  // keep: null computes the weight gradients now; otherwise only the input
  // gradient, and the linear layers' output gradients go to *keep. mid: the
  // MLP half's input (x_mid).
  void backward_mlp(const StepContext& ctx, const MicroBatchView& batch, Saved& s, const float* mid,
                    float* d_out, float* d_in, Kept* keep);
  void backward_attention(const StepContext& ctx, const MicroBatchView& batch, Saved& s,
                          const float* in, float* d_in, Kept* keep);
  // The saved set of a slot: under full recompute one set in the workspace
  // serves every slot of every block, refilled by rerunning the block's
  // forward at the start of its backward.
  Saved& saved_for(int slot) { return recompute_full() ? *ws_.recompute_saved : saved_[slot]; }
  bool recompute_full() const { return config_.recompute == Recompute::kFull; }
  bool bf16() const { return config_.precision == Precision::kBf16; }
  void allocate_saved(MemoryTracker& tracker, Saved& s, int micro_batch, BlockPart part);
  // The proj and fc2 products, from the fp32 attention / GELU output in
  // `value`, rounded and kept in bf16 under bf16 autocast.
  void project(Buffer<kernels::Bf16>& kept, const float* value, RowParallelLinear& linear,
               int samples, float* y_local);
  void refresh_bf16_weights(uint32_t step);
  // A linear's saved input as fp32: kept so, or under bf16 widened (exactly)
  // from its bf16 copy into `scratch`.
  const float* saved_input(const Buffer<float>& fp32, const Buffer<kernels::Bf16>& half,
                           float* scratch) const;
  // GELU's output for fc2's backward: the kept one, or under selective
  // recompute GELU again from fc1's saved output, into the workspace.
  const float* activated_fp32(const Saved& s, int samples);
  const kernels::Bf16* activated_bf16(const Saved& s, int samples);

  ModelConfig config_;
  int block_index_;
  BlockPart part_;
  TensorParallel tp_;
  int local_heads_, local_width_, local_ffn_;  // H / tp, D / tp, F D / tp
  int local_seq_;                              // positions in the layernorm/dropout regions
  Weights w_;   // parameter values
  Weights dw_;  // their gradients
  Workspace& ws_;
  ColumnParallelLinear qkv_;   // (3 D / tp, D)
  RowParallelLinear proj_;     // (D, D / tp)
  ColumnParallelLinear fc1_;   // (F D / tp, D)
  RowParallelLinear fc2_;      // (D, F D / tp)
  std::vector<Saved> saved_;
  int64_t bf16_weights_step_ = -1;  // the optimizer step the bf16 weight copies were made for
  int micro_batch_;          // samples per micro-batch, for sizing kept_
  std::vector<Kept> kept_;   // per slot; empty until allow_split_backward
};

}  // namespace paratrain
