#include "parallel/parameter_gather.h"

#include <cstring>

#include "core/error.h"
#include "io/safetensors.h"
#include "parallel/layout_parts.h"

namespace paratrain {

namespace {

constexpr int kWriter = 0;  // world rank that receives the full tensors

std::vector<ParameterSpec> stage_specs(const ModelConfig& model, const UnitRange& units,
                                       const TensorSlice& slice) {
  std::vector<ParameterSpec> specs;
  for (const UnitPiece& piece : pieces_of(model, units.begin, units.end)) {
    for (auto& spec : piece_parameter_specs(model, piece, slice)) specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace

ParameterGather::ParameterGather(const ModelConfig& model, const Layout& layout,
                                 const ProcessGrid& grid)
    : model_(model), layout_(layout), grid_(grid), partition_(stage_partition(model, layout)) {}

std::vector<float> ParameterGather::gather_stage_slice(
    int stage, int tp_rank, size_t count, const std::function<HeldPart(int chunk)>& part_of,
    ReplicaHolding holding) const {
  const PipelineShape shape = layout_.pipeline_shape(model_);
  const size_t padding = parameter_padding(layout_);
  const size_t padded = (count + padding - 1) / padding * padding;
  const bool writer = grid_.world_rank() == kWriter;
  std::vector<float> flat(writer ? padded : 0);
  const int holders = holding == ReplicaHolding::kSharded ? layout_.grid.dp : 1;
  const size_t share = holding == ReplicaHolding::kSharded ? padded / holders : count;
  for (int dp_rank = 0; dp_rank < holders; ++dp_rank) {
    const int owner = rank_of(layout_.grid, {dp_rank, rank_of_model_stage(shape, stage), tp_rank});
    const size_t begin = share * static_cast<size_t>(dp_rank);
    if (grid_.world_rank() == owner) {
      const HeldPart part = part_of(chunk_of_model_stage(shape, stage));
      PT_CHECK(part.begin <= begin && begin + share <= part.begin + part.count,
               "a rank does not hold the part of the array it is asked for");
      const float* data = part.data + (begin - part.begin);
      if (writer) {
        std::memcpy(flat.data() + begin, data, sizeof(float) * share);
      } else {
        grid_.world().send(data, share, kWriter, stage);
      }
    } else if (writer) {
      grid_.world().recv(flat.data() + begin, share, owner, stage);
    }
  }
  return flat;
}

std::vector<FullTensor> ParameterGather::gather(const std::function<HeldPart(int chunk)>& part_of,
                                                ReplicaHolding holding) const {
  const bool writer = grid_.world_rank() == kWriter;
  std::vector<FullTensor> tensors;
  for (int stage = 0; stage < layout_.model_stages(); ++stage) {
    const UnitRange units = stage_units(model_, partition_, stage);
    const size_t first = tensors.size();
    if (writer) {
      for (auto& spec : stage_specs(model_, units, {})) {
        const size_t count = static_cast<size_t>(spec.full_numel());
        tensors.push_back({std::move(spec), std::vector<float>(count)});
      }
    }
    for (int tp_rank = 0; tp_rank < layout_.grid.tp; ++tp_rank) {
      const TensorSlice slice{tp_rank, layout_.grid.tp, layout_.sequence_parallel};
      const std::vector<ParameterSpec> specs = stage_specs(model_, units, slice);
      size_t count = 0;
      for (const auto& spec : specs) count += static_cast<size_t>(spec.numel());
      const std::vector<float> flat = gather_stage_slice(stage, tp_rank, count, part_of, holding);
      if (!writer) continue;
      size_t offset = 0;
      for (size_t spec_idx = 0; spec_idx < specs.size(); ++spec_idx) {
        insert_shard(specs[spec_idx], flat.data() + offset, tensors[first + spec_idx].values.data());
        offset += static_cast<size_t>(specs[spec_idx].numel());
      }
    }
  }
  return tensors;
}

void write_full_tensors(const std::string& path, const std::vector<FullTensor>& tensors,
                        const ModelConfig& model, const Layout& layout) {
  std::vector<TensorToWrite> to_write;
  for (const auto& tensor : tensors) {
    to_write.push_back({tensor.spec.name, "F32", tensor.spec.shape, tensor.values.data()});
  }
  write_safetensors(path, to_write, {{"config", model.to_json()}, {"layout", layout.to_json()}});
}

}  // namespace paratrain
