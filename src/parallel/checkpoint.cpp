#include "parallel/checkpoint.h"

#include <signal.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>

#include "core/error.h"
#include "io/checkpoint_store.h"
#include "io/safetensors.h"
#include "parallel/parameter_gather.h"

namespace paratrain {

namespace {

constexpr const char* kModelFile = "model.safetensors";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kDataState =
    "none: a step's batch and its dropout masks are pure functions of (seed, step)";

nlohmann::json adamw_json(const kernels::AdamWHyper& hyper) {
  return {{"lr", hyper.lr}, {"beta1", hyper.beta1}, {"beta2", hyper.beta2}, {"eps", hyper.eps},
          {"weight_decay", hyper.weight_decay}};
}

// For the crash test: PARATRAIN_TEST_DIE_IN_CHECKPOINT=STEP kills the writer
// (SIGKILL) halfway through writing the checkpoint of step STEP.
void maybe_die_in_checkpoint(uint32_t step) {
  const char* value = std::getenv("PARATRAIN_TEST_DIE_IN_CHECKPOINT");
  if (value != nullptr && std::strtoul(value, nullptr, 10) == step) ::raise(SIGKILL);
}

std::vector<FullTensor> gather_array(Trainer& trainer, const ParameterGather& gather,
                                     float* (*pick)(Trainer&, int chunk, size_t* begin, size_t* count),
                                     ReplicaHolding holding) {
  return gather.gather(
      [&](int chunk) {
        size_t begin = 0, count = 0;
        const float* data = pick(trainer, chunk, &begin, &count);
        return HeldPart{data, begin, count};
      },
      holding);
}

float* pick_values(Trainer& trainer, int chunk, size_t* begin, size_t* count) {
  ParameterTable& params = trainer.chunks()[chunk]->params();
  *begin = 0;
  *count = params.size();
  return params.values();
}
template <int kMoment>
float* pick_moment(Trainer& trainer, int chunk, size_t* begin, size_t* count) {
  const OptimizerState state = trainer.optimizer(chunk).state();
  *begin = state.begin;
  *count = state.count;
  return kMoment == 1 ? state.moment1 : state.moment2;
}

void write_tensors(const std::string& path, const std::vector<std::pair<std::string, const FullTensor*>>& named,
                   const std::map<std::string, std::string>& metadata) {
  std::vector<TensorToWrite> to_write;
  for (const auto& [name, tensor] : named) {
    to_write.push_back({name, "F32", tensor->spec.full_shape, tensor->values.data()});
  }
  write_safetensors(path, to_write, metadata);
}

}  // namespace

void save_checkpoint(Trainer& trainer, const std::string& data_description, const std::string& dir,
                     int keep) {
  const TrainOptions& options = trainer.options();
  const ParameterGather gather(options.model, trainer.layout(), trainer.grid());
  const ReplicaHolding moment_holding = trainer.optimizer(0).state().holding;
  const auto values = gather_array(trainer, gather, pick_values, ReplicaHolding::kWhole);
  const auto moment1 = gather_array(trainer, gather, pick_moment<1>, moment_holding);
  const auto moment2 = gather_array(trainer, gather, pick_moment<2>, moment_holding);
  if (trainer.grid().world_rank() != 0) return;
  const uint32_t step = trainer.next_step();
  const std::map<std::string, std::string> metadata = {{"config", options.model.to_json()},
                                                       {"layout", trainer.layout().to_json()}};
  CheckpointWriter writer(dir, step);
  std::vector<std::pair<std::string, const FullTensor*>> named;
  for (const auto& tensor : values) named.emplace_back(tensor.spec.name, &tensor);
  write_tensors(writer.path_of(kModelFile), named, metadata);
  writer.add_file(kModelFile);
  maybe_die_in_checkpoint(step);
  named.clear();
  for (const auto& tensor : moment1) named.emplace_back("exp_avg." + tensor.spec.name, &tensor);
  for (const auto& tensor : moment2) named.emplace_back("exp_avg_sq." + tensor.spec.name, &tensor);
  write_tensors(writer.path_of(kOptimizerFile), named, metadata);
  writer.add_file(kOptimizerFile);
  nlohmann::json manifest = {
      {"format", "paratrain-checkpoint"},
      {"version", 1},
      {"step", step},
      {"optimizer_step_count", trainer.optimizer(0).step_count()},
      {"config", nlohmann::json::parse(options.model.to_json())},
      {"seed", options.seed},
      {"adamw", adamw_json(options.adamw)},
      {"layout", nlohmann::json::parse(trainer.layout().to_json())},
      {"data", {{"source", data_description}, {"state", kDataState}}}};
  writer.commit(std::move(manifest));
  prune_checkpoints(dir, keep);
}

void check_checkpoint_matches(const nlohmann::json& manifest, const TrainOptions& options,
                              const std::string& data_description) {
  const auto differs = [](const std::string& field, const nlohmann::json& saved, const nlohmann::json& flags) {
    throw UsageError("--resume: the checkpoint's " + field + " is " + saved.dump() + " but this run's is " +
                     flags.dump() + "; resume with the same flags");
  };
  for (const char* key : {"format", "step", "optimizer_step_count", "config", "seed", "adamw", "data"}) {
    if (!manifest.contains(key)) throw UsageError(std::string("--resume: the manifest has no '") + key + "'");
  }
  for (const char* key : {"config", "adamw", "data"}) {
    if (!manifest[key].is_object()) throw UsageError(std::string("--resume: the manifest's '") + key + "' is not an object");
  }
  const nlohmann::json config = nlohmann::json::parse(options.model.to_json());
  for (const auto& [field, value] : config.items()) {
    const nlohmann::json saved = manifest["config"].value(field, nlohmann::json());
    if (saved != value) differs("--" + std::regex_replace(field, std::regex("_"), "-"), saved, value);
  }
  if (manifest["seed"] != nlohmann::json(options.seed)) differs("--seed", manifest["seed"], options.seed);
  const nlohmann::json adamw = adamw_json(options.adamw);
  if (manifest["adamw"] != adamw) differs("optimizer (--lr)", manifest["adamw"], adamw);
  const nlohmann::json source = manifest["data"].value("source", nlohmann::json());
  if (source != nlohmann::json(data_description)) differs("data (--data)", source, data_description);
  const nlohmann::json& step = manifest["step"];
  const nlohmann::json& count = manifest["optimizer_step_count"];
  if (!step.is_number_unsigned() || step.get<uint64_t>() > UINT32_MAX || count != step) {
    throw UsageError("--resume: the manifest's step and optimizer_step_count must be the same count of steps");
  }
}

CheckpointContents read_checkpoint(const std::string& folder, const nlohmann::json& manifest,
                                   const ModelConfig& model) {
  CheckpointContents contents{manifest,
                              SafetensorsFile::read((std::filesystem::path(folder) / kModelFile).string()),
                              SafetensorsFile::read((std::filesystem::path(folder) / kOptimizerFile).string())};
  for (int unit = 0; unit < unit_count(model); ++unit) {
    for (const auto& spec : unit_parameter_specs(model, unit)) {
      contents.model.f32(spec.name, spec.full_shape);  // throws naming the file and tensor
      contents.moments.f32("exp_avg." + spec.name, spec.full_shape);
      contents.moments.f32("exp_avg_sq." + spec.name, spec.full_shape);
    }
  }
  return contents;
}

void load_checkpoint(Trainer& trainer, const CheckpointContents& checkpoint) {
  const SafetensorsFile& model = checkpoint.model;
  const SafetensorsFile& moments = checkpoint.moments;
  const long step_count = checkpoint.manifest["optimizer_step_count"].get<long>();
  for (size_t chunk_idx = 0; chunk_idx < trainer.chunks().size(); ++chunk_idx) {
    ParameterTable& params = trainer.chunks()[chunk_idx]->params();
    // The chunk's flat moments, as if held whole, then this rank's part of them.
    std::vector<float> flat1(params.padded_size()), flat2(params.padded_size());
    for (const auto& entry : params.entries()) {
      const ParameterSpec& spec = entry.spec;
      extract_shard(spec, model.f32(spec.name, spec.full_shape).data(), params.values() + entry.offset);
      extract_shard(spec, moments.f32("exp_avg." + spec.name, spec.full_shape).data(), flat1.data() + entry.offset);
      extract_shard(spec, moments.f32("exp_avg_sq." + spec.name, spec.full_shape).data(), flat2.data() + entry.offset);
    }
    Optimizer& optimizer = trainer.optimizer(static_cast<int>(chunk_idx));
    const OptimizerState state = optimizer.state();
    std::memcpy(state.moment1, flat1.data() + state.begin, sizeof(float) * state.count);
    std::memcpy(state.moment2, flat2.data() + state.begin, sizeof(float) * state.count);
    optimizer.set_step_count(step_count);
  }
  trainer.set_next_step(checkpoint.manifest["step"].get<uint32_t>());
}

}  // namespace paratrain
