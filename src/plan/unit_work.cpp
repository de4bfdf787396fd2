#include "plan/unit_work.h"

#include "core/error.h"

namespace paratrain {

namespace {

constexpr double kFloat = 4.0;  // bytes per element: activations are fp32

// Forward GEMMs become two in backward: the input gradient dA = dC B^T
// (m, k, n) and the weight gradient dB = A^T dC (k, n, m).
void add_gemm(UnitWork& work, Pass pass, int m, int n, int k) {
  if (pass == Pass::kForward) {
    work.gemms.push_back({m, n, k, false});
  } else {
    work.gemms.push_back({m, k, n, false});
    work.gemms.push_back({k, n, m, true});
  }
}

void add_vector(UnitWork& work, VectorKernel kernel, double elements, double passes) {
  work.vector_bytes[static_cast<int>(kernel)] += elements * passes * kFloat;
}

// Rounding to bf16 or widening from it: 6 bytes per element.
void add_convert(UnitWork& work, double elements) { add_vector(work, VectorKernel::kConvert, elements, 1.5); }

// A linear layer's streaming work beside its GEMMs (model/parallel_linear.cpp):
// the bias added over its output rows in forward (read, write) and summed
// from the output gradient in backward (read), at the layernorm's rate, the
// closest streaming kernel calibrated; under bf16 its input rounded in
// forward and its output gradient rounded in backward. in_rows x in reach
// the GEMM; bias_rows x out carry the bias (fewer under sequence parallelism
// for a row-parallel layer, whose bias is added after the reduce-scatter).
void add_linear_streams(UnitWork& work, const ModelConfig& model, Pass pass, double in_rows, int in, int out,
                        double bias_rows, bool has_bias) {
  const bool bf16 = model.precision == Precision::kBf16;
  if (pass == Pass::kForward) {
    if (has_bias) add_vector(work, VectorKernel::kLayerNorm, bias_rows * out, 2.0);
    if (bf16) add_convert(work, in_rows * in);
  } else {
    if (has_bias) add_vector(work, VectorKernel::kLayerNorm, bias_rows * out, 1.0);
    if (bf16) add_convert(work, in_rows * out);
  }
}

// Megatron's g (forward all-reduce of a row-parallel output) or f (backward
// all-reduce of a column-parallel input); with sequence parallelism the
// all-reduce is a reduce-scatter on one side and an all-gather on the other.
void add_region_exchange(UnitWork& work, const ShardShape& shard, double activation_bytes) {
  if (shard.tp == 1) return;
  if (shard.sequence_parallel) {
    work.tp_collectives.push_back({Collective::kAllGather, activation_bytes});
    work.tp_collectives.push_back({Collective::kReduceScatter, activation_bytes});
  } else {
    work.tp_collectives.push_back({Collective::kAllReduce, activation_bytes});
  }
}

void merge_into(UnitWork& work, const UnitWork& more) {
  work.gemms.insert(work.gemms.end(), more.gemms.begin(), more.gemms.end());
  work.attention_flops += more.attention_flops;
  for (int idx = 0; idx < kVectorKernelCount; ++idx) work.vector_bytes[idx] += more.vector_bytes[idx];
  work.tp_collectives.insert(work.tp_collectives.end(), more.tp_collectives.begin(),
                             more.tp_collectives.end());
}

// One residual half's streaming work: its layernorm, the dropout on its
// branch (the same mask regenerated in backward) and the residual add (read
// x and y, write x), the last at the layernorm's rate: the closest
// streaming kernel calibrated.
void add_residual_half(UnitWork& work, const ModelConfig& model, double region, Pass pass) {
  const double d = model.d_model;
  const double backward = pass == Pass::kBackward ? 1.5 : 1.0;  // backward reads one more tensor
  add_vector(work, VectorKernel::kLayerNorm, region * d, 2.0 * backward);
  if (model.dropout > 0) add_vector(work, VectorKernel::kDropout, region * d, 2.0);
  add_vector(work, VectorKernel::kLayerNorm, region * d, 3.0);
}

}  // namespace

UnitWork embed_work(const ModelConfig& model, const ShardShape& shard, Pass pass) {
  UnitWork work;
  const double tokens = static_cast<double>(shard.samples) * model.seq_len;
  const double region = shard.sequence_parallel ? tokens / shard.tp : tokens;
  // Forward: gather token and position rows, add, dropout; backward: the
  // same mask again, and the scatter-add into the embedding gradients.
  // Dropout is priced per element as calibrated (two passes: its Philox
  // draws, not the bytes, bound it on a CPU); the copies as plain passes
  // at the layernorm's rate.
  if (model.dropout > 0) add_vector(work, VectorKernel::kDropout, region * model.d_model, 2.0);
  add_vector(work, VectorKernel::kLayerNorm, region * model.d_model, 2.0);
  // The vocabulary-sharded lookup sums the shards' rows (forward only).
  if (shard.tp > 1 && pass == Pass::kForward) {
    work.tp_collectives.push_back(
        {shard.sequence_parallel ? Collective::kReduceScatter : Collective::kAllReduce,
         tokens * model.d_model * kFloat});
  }
  return work;
}

// What --recompute adds to a half's backward (model/block.cpp): selective
// recomputes each head's scores and softmax from the saved q and k (the
// q k^T half of the forward's attention FLOPs) and GELU from fc1's output;
// full runs the half's forward again from its kept input, collectives included.
UnitWork attention_work(const ModelConfig& model, const ShardShape& shard, Pass pass) {
  UnitWork work;
  const int tokens = shard.samples * model.seq_len;
  const int d = model.d_model, tp = shard.tp;
  add_gemm(work, pass, tokens, 3 * d / tp, d);  // qkv (column parallel)
  add_gemm(work, pass, tokens, d, d / tp);      // proj (row parallel)
  const double region = shard.sequence_parallel ? static_cast<double>(tokens) / tp : tokens;
  add_linear_streams(work, model, pass, tokens, d, 3 * d / tp, tokens, true);
  add_linear_streams(work, model, pass, tokens, d / tp, d, region, true);
  if (model.precision == Precision::kBf16) {
    // Forward keeps ln1's output and q k v rounded (and widens q k v back
    // for attention); backward widens both, rounds ln1's output again for
    // qkv's weight gradient and rounds the heads' gradient in place.
    const double qkv = static_cast<double>(tokens) * 3 * d / tp;
    if (pass == Pass::kForward) {
      add_convert(work, region * d + 2 * qkv);
    } else {
      add_convert(work, region * d + static_cast<double>(tokens) * d + qkv + 4.0 / 3 * tokens * d / tp);
    }
  }
  // Backward copies the residual's gradient into the branch (read, write).
  if (pass == Pass::kBackward) add_vector(work, VectorKernel::kLayerNorm, region * d, 2.0);
  const double per_direction = 4.0 * tokens * static_cast<double>(model.seq_len) * d / tp;
  work.attention_flops = pass == Pass::kForward ? per_direction : 2.0 * per_direction;
  add_residual_half(work, model, region, pass);
  add_region_exchange(work, shard, static_cast<double>(tokens) * d * kFloat);  // g forward, f backward
  if (pass == Pass::kBackward && model.recompute == Recompute::kSelective) {
    work.attention_flops += per_direction / 2;
  } else if (pass == Pass::kBackward && model.recompute == Recompute::kFull) {
    merge_into(work, attention_work(model, shard, Pass::kForward));
  }
  return work;
}

UnitWork mlp_work(const ModelConfig& model, const ShardShape& shard, Pass pass) {
  UnitWork work;
  const int tokens = shard.samples * model.seq_len;
  const int d = model.d_model, ffn = model.ffn_width(), tp = shard.tp;
  add_gemm(work, pass, tokens, ffn / tp, d);  // fc1 (column parallel)
  add_gemm(work, pass, tokens, d, ffn / tp);  // fc2 (row parallel)
  const double region = shard.sequence_parallel ? static_cast<double>(tokens) / tp : tokens;
  add_linear_streams(work, model, pass, tokens, d, ffn / tp, tokens, true);
  add_linear_streams(work, model, pass, tokens, ffn / tp, d, region, true);
  if (model.precision == Precision::kBf16) {
    // Forward keeps ln2's output rounded; backward widens it and rounds it
    // again for fc1's weight gradient, and rounds GELU's output anew where
    // selective recompute did not keep it.
    if (pass == Pass::kForward) {
      add_convert(work, region * d);
    } else {
      add_convert(work, region * d + static_cast<double>(tokens) * d);
      if (model.recompute == Recompute::kSelective) add_convert(work, static_cast<double>(tokens) * ffn / tp);
    }
  }
  // Backward copies the residual's gradient twice: into the branch and on to the input.
  if (pass == Pass::kBackward) add_vector(work, VectorKernel::kLayerNorm, region * d, 4.0);
  add_residual_half(work, model, region, pass);
  const double backward = pass == Pass::kBackward ? 1.5 : 1.0;
  add_vector(work, VectorKernel::kGelu, static_cast<double>(tokens) * ffn / tp, 2.0 * backward);
  add_region_exchange(work, shard, static_cast<double>(tokens) * d * kFloat);
  if (pass == Pass::kBackward && model.recompute == Recompute::kSelective) {
    add_vector(work, VectorKernel::kGelu, static_cast<double>(tokens) * ffn / tp, 2.0);
  } else if (pass == Pass::kBackward && model.recompute == Recompute::kFull) {
    merge_into(work, mlp_work(model, shard, Pass::kForward));
  }
  return work;
}

UnitWork block_work(const ModelConfig& model, const ShardShape& shard, Pass pass) {
  UnitWork work = attention_work(model, shard, pass);
  merge_into(work, mlp_work(model, shard, pass));
  return work;
}

UnitWork head_work(const ModelConfig& model, const ShardShape& shard, Pass pass) {
  UnitWork work;
  const int tokens = shard.samples * model.seq_len;
  const int d = model.d_model, vocab = model.vocab_size / shard.tp;
  add_gemm(work, pass, tokens, vocab, d);  // lm_head (column parallel over the vocabulary)
  const double region = shard.sequence_parallel ? static_cast<double>(tokens) / shard.tp : tokens;
  add_linear_streams(work, model, pass, tokens, d, vocab, tokens, false);  // no bias
  if (model.precision == Precision::kBf16) {
    // ln_f's output kept rounded; in backward widened, then rounded again for the weight gradient.
    add_convert(work, pass == Pass::kForward ? region * d : region * d + static_cast<double>(tokens) * d);
  }
  const double backward = pass == Pass::kBackward ? 1.5 : 1.0;
  add_vector(work, VectorKernel::kLayerNorm, region * d, 2.0 * backward);
  // Cross-entropy: max, exp-sum and the target logit in forward; softmax
  // minus one-hot into the logits' gradient in backward.
  add_vector(work, VectorKernel::kSoftmax, static_cast<double>(tokens) * vocab,
             pass == Pass::kForward ? 3.0 : 2.0);
  if (shard.tp > 1) {
    const double activation_bytes = static_cast<double>(tokens) * d * kFloat;
    if (pass == Pass::kForward) {
      // Row max, target logit and exp-sum over the vocabulary shards.
      for (int idx = 0; idx < 3; ++idx) {
        work.tp_collectives.push_back({Collective::kAllReduce, tokens * kFloat});
      }
      if (shard.sequence_parallel) work.tp_collectives.push_back({Collective::kAllGather, activation_bytes});
    } else {
      work.tp_collectives.push_back(
          {shard.sequence_parallel ? Collective::kReduceScatter : Collective::kAllReduce, activation_bytes});
    }
  }
  return work;
}

UnitWork unit_work(const ModelConfig& model, int unit, const ShardShape& shard, Pass pass) {
  return piece_work(model, {unit, BlockPart::kWhole}, shard, pass);
}

UnitWork piece_work(const ModelConfig& model, const UnitPiece& piece, const ShardShape& shard, Pass pass) {
  PT_CHECK(piece.unit >= 0 && piece.unit <= model.n_layers + 1, "unit outside the model");
  if (piece.unit == 0) return embed_work(model, shard, pass);
  if (piece.unit == model.n_layers + 1) return head_work(model, shard, pass);
  if (piece.part == BlockPart::kAttention) return attention_work(model, shard, pass);
  if (piece.part == BlockPart::kMlp) return mlp_work(model, shard, pass);
  return block_work(model, shard, pass);
}

UnitSeconds unit_seconds(const UnitWork& work, const DeviceDescription& device, Precision precision,
                         int seq_len, const LinkCost& tp_link, int tp) {
  UnitSeconds seconds;
  for (const GemmWork& gemm : work.gemms) {
    const double gemm_s = gemm.flops() / gemm_flops_per_s(device, precision, gemm.m, gemm.n, gemm.k);
    seconds.compute += gemm_s;
    if (gemm.weight_gradient) seconds.weight_gradient += gemm_s;
  }
  if (work.attention_flops > 0) {
    seconds.compute += work.attention_flops / attention_flops_per_s(device, precision, seq_len);
  }
  for (int idx = 0; idx < kVectorKernelCount; ++idx) {
    if (work.vector_bytes[idx] > 0) {
      seconds.compute += work.vector_bytes[idx] / vector_bytes_per_s(device, static_cast<VectorKernel>(idx));
    }
  }
  for (const CollectiveWork& collective : work.tp_collectives) {
    seconds.tp_comm += collective_seconds(collective.collective, tp_link, tp, collective.bytes);
  }
  return seconds;
}

double adamw_seconds(double elements, const DeviceDescription& device) {
  return elements * 7.0 * kFloat / vector_bytes_per_s(device, VectorKernel::kAdamW);
}

}  // namespace paratrain
