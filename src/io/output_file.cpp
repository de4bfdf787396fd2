#include "io/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/error.h"

namespace paratrain {

namespace {

std::string folder_of(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

// Refuses a target that exists and is not a regular file.
void require_regular_or_absent(const std::string& path, const std::string& what) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    throw UsageError(what + ": cannot use " + path + " (" + std::strerror(errno) + ")");
  }
  if (S_ISLNK(info.st_mode) && ::stat(path.c_str(), &info) != 0) return;  // a dangling link: created anew
  if (!S_ISREG(info.st_mode)) {
    throw UsageError(what + ": " + path + " exists and is not a regular file; it will not be replaced");
  }
}

}  // namespace

void check_output_path(const std::string& path, const std::string& what, MissingFolder missing_folder) {
  if (path.empty()) throw UsageError(what + ": empty path");
  require_regular_or_absent(path, what);
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);  // no O_TRUNC: it is only a check
    if (fd < 0) throw UsageError(what + ": cannot write " + path + " (" + std::strerror(errno) + ")");
    ::close(fd);
    return;
  }
  const std::string folder = folder_of(path);
  if (::stat(folder.c_str(), &info) != 0) {
    if (errno == ENOENT && missing_folder == MissingFolder::kWillBeCreated) return;
    throw UsageError(what + ": cannot write " + path + " (folder " + folder + ": " + std::strerror(errno) + ")");
  }
  if (!S_ISDIR(info.st_mode)) throw UsageError(what + ": cannot write " + path + " (" + folder + " is not a folder)");
  // A probe with this process's own name: creating it proves the folder takes files.
  const std::string probe = path + ".probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw UsageError(what + ": cannot create " + path + " (" + std::strerror(errno) + ")");
  ::close(fd);
  ::unlink(probe.c_str());
}

OutputFile::OutputFile(std::string path, std::string what) : path_(std::move(path)), what_(std::move(what)) {
  require_regular_or_absent(path_, what_);
  temp_path_ = path_ + ".partial-" + std::to_string(::getpid());
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("create");
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void OutputFile::fail(const std::string& doing) const {
  throw std::runtime_error(what_ + ": cannot " + doing + " " + path_ + " (" + std::strerror(errno) +
                           "); nothing was written");
}

void OutputFile::write(const void* data, size_t bytes) {
  const char* next = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t written = ::write(fd_, next, bytes);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) fail("write");
    next += written;
    bytes -= static_cast<size_t>(written);
  }
}

void OutputFile::commit() {
  if (::fsync(fd_) != 0) fail("write");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("write");
  require_regular_or_absent(path_, what_);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("write");
  temp_path_.clear();
}

}  // namespace paratrain
