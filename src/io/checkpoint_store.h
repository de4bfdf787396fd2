#pragma once
// The checkpoint folders on disk, without knowing what is in them: each
// checkpoint is DIR/step-NNNNNN with its files and a manifest.json that lists
// every file with its size and FNV-1a 64 checksum. A checkpoint is written as
// step-NNNNNN.tmp (each file fsynced), the manifest last, then the folder is
// renamed and DIR fsynced: a crash at any point leaves the older checkpoints
// whole and at most a .tmp folder that readers skip.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace paratrain {

// FNV-1a, 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
uint64_t fnv1a64(const void* data, size_t bytes, uint64_t hash = 0xcbf29ce484222325ULL);
uint64_t fnv1a64_of_file(const std::string& path);

std::string checkpoint_folder_name(uint32_t step);  // "step-000006"

class CheckpointWriter {
 public:
  // Creates DIR (if absent) and a fresh DIR/step-NNNNNN.tmp.
  CheckpointWriter(std::string dir, uint32_t step);
  ~CheckpointWriter();  // removes the .tmp folder unless commit() was reached
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Where to write the file `name` (inside the .tmp folder).
  std::string path_of(const std::string& name) const;
  // Records a written (and fsynced) file's size and checksum for the manifest.
  void add_file(const std::string& name);
  // Writes manifest.json (`manifest` plus "files"), renames the folder into
  // place and fsyncs DIR. Returns the final folder.
  std::string commit(nlohmann::json manifest);

 private:
  std::string dir_, final_, temp_;
  nlohmann::json files_ = nlohmann::json::object();
  bool committed_ = false;
};

// Removes all but the newest `keep` complete checkpoints of DIR, and any
// .tmp folder older than the newest complete one.
void prune_checkpoints(const std::string& dir, int keep);

struct ChosenCheckpoint {
  std::string folder;
  nlohmann::json manifest;
  std::vector<std::string> warnings;  // one line each: what was skipped and why
};

// DIR is a checkpoint folder (it has a manifest.json): it must be whole.
// Otherwise the newest whole checkpoint in DIR; newer .tmp or corrupted ones
// are skipped with a warning. UsageError (one line, naming the file) when
// nothing whole is found.
ChosenCheckpoint choose_checkpoint(const std::string& dir);

// Checks every file the manifest lists against its size and checksum;
// UsageError naming the first bad file. Returns the parsed manifest.
nlohmann::json verify_checkpoint(const std::string& folder);

}  // namespace paratrain
