#pragma once
// Checkpoints of a training run (the folders: io/checkpoint_store.h):
//  - model.safetensors: every parameter, full and unsharded, with MODEL.md's
//    names (as --save-params writes them);
//  - optimizer.safetensors: AdamW's moments, full, as exp_avg.<name> and
//    exp_avg_sq.<name>;
//  - manifest.json: the step, AdamW's step count, the config, the seed, the
//    optimizer's hyper-parameters, the layout, the data source, and each
//    file's size and FNV-1a 64 checksum.
// A step's batch and dropout masks are pure functions of (seed, step), so the
// step is all the data source and the RNG need to continue.
// Loading reads the full arrays on every rank and takes each rank's shard, so
// a checkpoint of any layout resumes under any other.
#include <string>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "parallel/trainer.h"

namespace paratrain {

// Collective: gathers the parameters and moments on world rank 0, which
// writes DIR/step-NNNNNN (NNNNNN = trainer.next_step()) and keeps the newest
// `keep` checkpoints.
void save_checkpoint(Trainer& trainer, const std::string& data_description, const std::string& dir,
                     int keep);

// UsageError naming the first field in which the checkpoint's run differs
// from this one (model config, seed, optimizer, data).
void check_checkpoint_matches(const nlohmann::json& manifest, const TrainOptions& options,
                              const std::string& data_description);

struct CheckpointContents {
  nlohmann::json manifest;
  SafetensorsFile model;    // model.safetensors
  SafetensorsFile moments;  // optimizer.safetensors
};

// Every rank, before any work: reads a verified checkpoint folder's files and
// checks that every tensor the model needs is there with its full shape
// (UsageError naming the file and tensor).
CheckpointContents read_checkpoint(const std::string& folder, const nlohmann::json& manifest,
                                   const ModelConfig& model);

// Every rank: parameters, moments, step count and next step, resharded to the
// trainer's layout.
void load_checkpoint(Trainer& trainer, const CheckpointContents& checkpoint);

}  // namespace paratrain
