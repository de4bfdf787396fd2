#pragma once
// Gathers a per-parameter array of the whole model (the parameters now; the
// optimizer's moments for a checkpoint later) into full tensors, with their
// MODEL.md names and PyTorch shapes, on world rank 0, from whichever ranks
// hold which parts: each model stage on its pipeline rank, each
// tensor-parallel slice on its tp rank, and, for an array sharded over the
// replicas (ZeRO-1's optimizer state), each dp shard on its replica.
#include <functional>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "model/config.h"
#include "model/parameters.h"
#include "parallel/layout.h"
#include "parallel/replica_holding.h"

namespace paratrain {

struct FullTensor {
  ParameterSpec spec;         // the whole tensor's spec (shape = full_shape)
  std::vector<float> values;  // (full_numel), row-major
};

// What a rank holds of one chunk's array: the elements [begin, begin + count)
// of the chunk's flat (padded) parameter layout, at data.
struct HeldPart {
  const float* data = nullptr;
  size_t begin = 0;
  size_t count = 0;
};

class ParameterGather {
 public:
  // layout: as checked by check_layout for the grid's world.
  ParameterGather(const ModelConfig& model, const Layout& layout, const ProcessGrid& grid);

  // Collective over the world. part_of(chunk): this rank's part of its chunk
  // `chunk`'s array; with ReplicaHolding::kWhole the first replica's is read.
  // Returns every tensor of the model in MODEL.md order on world rank 0, and
  // nothing elsewhere.
  std::vector<FullTensor> gather(const std::function<HeldPart(int chunk)>& part_of,
                                 ReplicaHolding holding) const;

 private:
  // The flat array of model stage `stage` as tensor-parallel rank tp_rank
  // holds it, assembled on the writer from its holders.
  std::vector<float> gather_stage_slice(int stage, int tp_rank, size_t count,
                                        const std::function<HeldPart(int chunk)>& part_of,
                                        ReplicaHolding holding) const;

  ModelConfig model_;
  Layout layout_;
  const ProcessGrid& grid_;
  std::vector<int> partition_;  // blocks per model stage
};

// Rank 0 writes the gathered tensors to a safetensors file, with the config
// and the layout in its metadata.
void write_full_tensors(const std::string& path, const std::vector<FullTensor>& tensors,
                        const ModelConfig& model, const Layout& layout);

}  // namespace paratrain
