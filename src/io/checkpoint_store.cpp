#include "io/checkpoint_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "core/error.h"
#include "io/file_checks.h"
#include "io/output_file.h"

namespace paratrain {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = "manifest.json";
constexpr uint64_t kMaxManifestBytes = 16 * kMiB;
constexpr uint64_t kMaxCheckpointFileBytes = 64 * kGiB;

std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

void fsync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("--checkpoint: cannot fsync folder " + folder + " (" + why + ")");
  }
  ::close(fd);
}

// The checkpoint folders of DIR with their steps, newest first.
struct Entry {
  uint32_t step;
  bool complete;
  std::string path;
};

std::vector<Entry> list_checkpoints(const std::string& dir) {
  std::vector<Entry> entries;
  const std::regex name(R"(step-(\d{6,9})(\.tmp)?)");
  std::error_code error;
  for (const auto& item : fs::directory_iterator(dir, error)) {
    std::smatch match;
    const std::string file = item.path().filename().string();
    if (!item.is_directory() || !std::regex_match(file, match, name)) continue;
    entries.push_back({static_cast<uint32_t>(std::stoul(match[1])), !match[2].matched, item.path().string()});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.step != b.step ? a.step > b.step : a.complete < b.complete;
  });
  return entries;
}

}  // namespace

uint64_t fnv1a64(const void* data, size_t bytes, uint64_t hash) {
  const auto* next = static_cast<const unsigned char*>(data);
  for (size_t idx = 0; idx < bytes; ++idx) {
    hash ^= next[idx];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

uint64_t fnv1a64_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("checkpoint file " + path + " cannot be read");
  std::vector<char> chunk(1 << 20);
  uint64_t hash = fnv1a64(nullptr, 0);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    hash = fnv1a64(chunk.data(), static_cast<size_t>(in.gcount()), hash);
  }
  return hash;
}

std::string checkpoint_folder_name(uint32_t step) {
  char text[32];
  std::snprintf(text, sizeof(text), "step-%06u", step);
  return text;
}

CheckpointWriter::CheckpointWriter(std::string dir, uint32_t step) : dir_(std::move(dir)) {
  final_ = (fs::path(dir_) / checkpoint_folder_name(step)).string();
  temp_ = final_ + ".tmp";
  std::error_code error;
  fs::create_directories(dir_, error);
  fs::remove_all(temp_, error);  // a leftover of a crashed write
  if (!fs::create_directory(temp_, error)) {
    throw std::runtime_error("--checkpoint: cannot create " + temp_ + " (" + error.message() + ")");
  }
}

CheckpointWriter::~CheckpointWriter() {
  std::error_code ignored;
  if (!committed_) fs::remove_all(temp_, ignored);
}

std::string CheckpointWriter::path_of(const std::string& name) const {
  return (fs::path(temp_) / name).string();
}

void CheckpointWriter::add_file(const std::string& name) {
  const std::string path = path_of(name);
  files_[name] = {{"bytes", fs::file_size(path)}, {"fnv1a64", hex64(fnv1a64_of_file(path))}};
}

std::string CheckpointWriter::commit(nlohmann::json manifest) {
  manifest["files"] = files_;
  OutputFile out(path_of(kManifest), "--checkpoint");
  out.write(manifest.dump(2) + "\n");
  out.commit();
  fsync_folder(temp_);
  std::error_code error;
  fs::remove_all(final_, error);  // an older run's checkpoint of the same step
  fs::rename(temp_, final_, error);
  if (error) throw std::runtime_error("--checkpoint: cannot rename " + temp_ + " (" + error.message() + ")");
  committed_ = true;
  fsync_folder(dir_);
  return final_;
}

void prune_checkpoints(const std::string& dir, int keep) {
  int complete_seen = 0;
  std::error_code ignored;
  for (const Entry& entry : list_checkpoints(dir)) {
    if (entry.complete) {
      if (++complete_seen > keep) fs::remove_all(entry.path, ignored);
    } else if (complete_seen > 0) {
      fs::remove_all(entry.path, ignored);  // an abandoned write older than a whole checkpoint
    }
  }
}

nlohmann::json verify_checkpoint(const std::string& folder) {
  const std::string manifest_path = (fs::path(folder) / kManifest).string();
  const std::string text = read_input_file(manifest_path, "--resume", kMaxManifestBytes);
  nlohmann::json manifest = nlohmann::json::parse(text, nullptr, false);
  if (!manifest.is_object() || !manifest.contains("files") || !manifest["files"].is_object()) {
    throw UsageError("--resume: " + manifest_path + " is not a paratrain checkpoint manifest");
  }
  for (const auto& [name, expected] : manifest["files"].items()) {
    const std::string path = (fs::path(folder) / name).string();
    if (name.find('/') != std::string::npos || name == ".." || !expected.is_object() ||
        !expected.contains("bytes") || !expected.contains("fnv1a64")) {
      throw UsageError("--resume: " + manifest_path + " lists a malformed file entry '" + name + "'");
    }
    const uint64_t bytes = check_input_file(path, "--resume", kMaxCheckpointFileBytes);
    if (!expected["bytes"].is_number_unsigned() || bytes != expected["bytes"].get<uint64_t>()) {
      throw UsageError("--resume: checkpoint file " + path + " has " + std::to_string(bytes) +
                       " bytes, the manifest says " + expected["bytes"].dump() + " (truncated?)");
    }
    if (!expected["fnv1a64"].is_string() || hex64(fnv1a64_of_file(path)) != expected["fnv1a64"].get<std::string>()) {
      throw UsageError("--resume: checkpoint file " + path + " fails its FNV-1a 64 checksum (corrupted)");
    }
  }
  return manifest;
}

ChosenCheckpoint choose_checkpoint(const std::string& dir) {
  ChosenCheckpoint chosen;
  std::error_code error;
  if (!fs::is_directory(dir, error)) throw UsageError("--resume: " + dir + " is not a folder");
  if (fs::exists(fs::path(dir) / kManifest, error)) {
    chosen.folder = dir;
    chosen.manifest = verify_checkpoint(dir);
    return chosen;
  }
  std::string first_failure;
  for (const Entry& entry : list_checkpoints(dir)) {
    if (!entry.complete) {
      chosen.warnings.push_back("skipping " + entry.path + ": an unfinished checkpoint write");
      continue;
    }
    try {
      chosen.manifest = verify_checkpoint(entry.path);
      chosen.folder = entry.path;
      return chosen;
    } catch (const UsageError& bad) {
      if (first_failure.empty()) first_failure = bad.what();
      chosen.warnings.push_back(std::string(bad.what()) + "; skipping " + entry.path);
    }
  }
  if (!first_failure.empty()) throw UsageError(first_failure);
  throw UsageError("--resume: no checkpoint (step-NNNNNN folder) in " + dir);
}

}  // namespace paratrain
