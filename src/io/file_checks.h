#pragma once
// Input files are checked before they are read: a regular file of a bounded
// size. A directory, a device (/dev/zero), a FIFO or a file larger than the
// limit is refused with one line (UsageError, exit 2) instead of being read
// without limit or throwing from the stream library.
#include <cstdint>
#include <string>

namespace paratrain {

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

// The size of the regular file at `path`; `what` names it in the message
// ("--data", "--reference", ...).
uint64_t check_input_file(const std::string& path, const std::string& what, uint64_t max_bytes);

// The whole file, after check_input_file.
std::string read_input_file(const std::string& path, const std::string& what, uint64_t max_bytes);

}  // namespace paratrain
