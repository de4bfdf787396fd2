#pragma once
// The work one unit (Embed, a Block, the Head) does for one micro-batch on
// one rank, counted from the shapes the units use: the GEMMs (with their
// shapes, since a GEMM's rate depends on them), the attention FLOPs, the
// bytes each vector kernel moves, and the tensor-parallel collectives the
// unit calls (Megatron's f/g, or sequence parallelism's all-gather and
// reduce-scatter).
#include <array>
#include <vector>

#include "model/config.h"
#include "model/pieces.h"
#include "plan/cluster.h"
#include "plan/collective_cost.h"

namespace paratrain {

struct GemmWork {
  int m = 0, n = 0, k = 0;  // C(m, n) = A(m, k) B(k, n): 2 m n k FLOPs
  bool weight_gradient = false;  // backward's dW GEMM (a zero-bubble W action's work)
  double flops() const { return 2.0 * m * n * static_cast<double>(k); }
};

struct CollectiveWork {
  Collective collective;
  double bytes = 0;  // the whole buffer (collective_cost.h)
};

struct UnitWork {
  std::vector<GemmWork> gemms;
  double attention_flops = 0;  // 4 T D per token and direction convention (MODEL.md)
  std::array<double, kVectorKernelCount> vector_bytes{};
  std::vector<CollectiveWork> tp_collectives;  // within the tensor-parallel group
};

enum class Pass { kForward, kBackward };

// What the rank's shard does, for a micro-batch of `samples`, tp ranks, and
// sequence parallelism on or off.
struct ShardShape {
  int samples = 1;
  int tp = 1;
  bool sequence_parallel = false;
};

UnitWork embed_work(const ModelConfig& model, const ShardShape& shard, Pass pass);
UnitWork block_work(const ModelConfig& model, const ShardShape& shard, Pass pass);
// A block's halves (model/pieces.h); block_work is their sum.
UnitWork attention_work(const ModelConfig& model, const ShardShape& shard, Pass pass);
UnitWork mlp_work(const ModelConfig& model, const ShardShape& shard, Pass pass);
UnitWork head_work(const ModelConfig& model, const ShardShape& shard, Pass pass);
// Unit index as the layout counts them: 0 = Embed, 1..L blocks, L + 1 = Head.
UnitWork unit_work(const ModelConfig& model, int unit, const ShardShape& shard, Pass pass);
// A piece: a whole unit, or a block's half where a stage boundary cuts it.
UnitWork piece_work(const ModelConfig& model, const UnitPiece& piece, const ShardShape& shard, Pass pass);

// Seconds of a unit's work on `device`: its compute, and separately its
// tensor-parallel collectives over `tp_link`.
struct UnitSeconds {
  double compute = 0;
  double tp_comm = 0;
  double weight_gradient = 0;  // the part of compute in dW GEMMs
  double total() const { return compute + tp_comm; }
};
UnitSeconds unit_seconds(const UnitWork& work, const DeviceDescription& device, Precision precision,
                         int seq_len, const LinkCost& tp_link, int tp);

// One AdamW step over `elements` parameters (7 float passes each).
double adamw_seconds(double elements, const DeviceDescription& device);

}  // namespace paratrain
