#include "sweep/result_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "io/file_checks.h"

namespace paratrain {

namespace {

[[noreturn]] void fail_io(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

std::string read_all(const std::string& path) {
  return read_input_file(path, "--out", 4 * kGiB);  // a regular file of bounded size
}

const char* status_of(const nlohmann::json& record) {
  return record.value("status", std::string("ok")) == "ok" ? "ok" : "not ok";
}

}  // namespace

ResultStore::ResultStore(std::string path) : path_(std::move(path)) {
  const auto folder = std::filesystem::path(path_).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder);
  if (std::filesystem::exists(path_)) load();
}

void ResultStore::load() {
  const std::string text = read_all(path_);
  size_t begin = 0, good_end = 0;
  int line_number = 0;
  while (begin < text.size()) {
    const size_t newline = text.find('\n', begin);
    const bool terminated = newline != std::string::npos;
    const std::string line = text.substr(begin, (terminated ? newline : text.size()) - begin);
    ++line_number;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    const bool parsed = !record.is_discarded() && record.is_object() && record.contains("sweep");
    if (!terminated && line.rfind("{\"", 0) != 0) {
      // Not a record cut short by a crash: this is not a results file, and cutting it would lose data.
      throw UsageError(path_ + ":" + std::to_string(line_number) +
                       ": not a JSON object (malformed line, no newline); not a results file?");
    }
    if (!terminated) {
      // A crash mid-write: the record never landed. Cut it so the next append starts a clean line.
      std::fprintf(stderr, "paratrain sweep: %s: dropping the unfinished last line %d (%zu bytes)\n",
                   path_.c_str(), line_number, line.size());
      if (truncate(path_.c_str(), static_cast<off_t>(good_end)) != 0) fail_io("cannot truncate", path_);
      break;
    }
    if (parsed) {
      records_.push_back(std::move(record));
      const auto& sweep = records_.back()["sweep"];
      const std::string key = sweep.value("key", std::string());
      by_key_[key] = records_.size() - 1;
      if (std::string(status_of(records_.back())) == "ok") {
        index(records_.size() - 1, sweep.value("measurement_key", std::string()));
      }
    } else if (record.is_discarded() || !record.is_object()) {
      // As report refuses it: a dropped line would silently lose a point.
      if (line.find_first_not_of(" \t\r") != std::string::npos) {
        throw UsageError(path_ + ":" + std::to_string(line_number) + ": not a JSON object (malformed line)");
      }
    }
    good_end = newline + 1;
    begin = newline + 1;
  }
}

void ResultStore::index(size_t position, const std::string& measurement_key) {
  if (!measurement_key.empty()) by_measurement_.emplace(measurement_key, position);
}

const nlohmann::json* ResultStore::find_measurement(const std::string& measurement_key) const {
  const auto found = by_measurement_.find(measurement_key);
  return found == by_measurement_.end() ? nullptr : &records_[found->second];
}

void ResultStore::write_line(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail_io("cannot open", path_);
  const ssize_t written = ::write(fd, line.data(), line.size());
  const bool whole = written == static_cast<ssize_t>(line.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!whole || !synced) fail_io("cannot append a record to", path_);
}

void ResultStore::append(nlohmann::json record, const std::string& key,
                         const std::string& measurement_key) {
  write_line(record);
  records_.push_back(std::move(record));
  by_key_[key] = records_.size() - 1;
  if (std::string(status_of(records_.back())) == "ok") index(records_.size() - 1, measurement_key);
}

}  // namespace paratrain
