#include "io/file_checks.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace paratrain {

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

uint64_t check_input_file(const std::string& path, const std::string& what, uint64_t max_bytes) {
  if (path.empty()) throw UsageError(what + ": empty path");
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw UsageError(what + ": cannot open " + path + " (" + std::strerror(errno) + ")");
  }
  if (!S_ISREG(info.st_mode)) {
    throw UsageError(what + ": " + path + " is " + kind_of(info.st_mode) + ", not a regular file");
  }
  const auto size = static_cast<uint64_t>(info.st_size);
  if (size > max_bytes) {
    throw UsageError(what + ": " + path + " has " + std::to_string(size) + " bytes, more than the " +
                     std::to_string(max_bytes / kMiB) + " MiB this input may have");
  }
  return size;
}

std::string read_input_file(const std::string& path, const std::string& what, uint64_t max_bytes) {
  const uint64_t size = check_input_file(path, what, max_bytes);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(what + ": cannot open " + path + " (" + std::strerror(errno) + ")");
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  // A file that shrank while being read is read as far as it goes.
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) throw UsageError(what + ": cannot read " + path);
  return bytes;
}

}  // namespace paratrain
