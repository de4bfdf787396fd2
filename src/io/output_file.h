#pragma once
// Output files: checked before any work, written so that nothing is lost.
//  - check_output_path() runs before training: the path is a regular file we
//    can open for writing, or absent in a folder where we can create a file.
//    A directory, a device (/dev/full, /dev/null) or a FIFO is refused (one
//    line, UsageError, exit 2): nothing that is not a regular file is ever
//    replaced or truncated.
//  - OutputFile writes beside the target, checks every write, fsyncs and
//    renames over the target; any failure throws, so a failed write is an
//    error and never a silent loss.
#include <cstddef>
#include <string>

namespace paratrain {

enum class MissingFolder { kRefuse, kWillBeCreated };

// `what` names the flag in the message ("--trace", "--save-params", ...).
void check_output_path(const std::string& path, const std::string& what,
                       MissingFolder missing_folder = MissingFolder::kRefuse);

class OutputFile {
 public:
  OutputFile(std::string path, std::string what);
  ~OutputFile();  // removes the temporary file if commit() was not reached
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const void* data, size_t bytes);
  void write(const std::string& text) { write(text.data(), text.size()); }
  // fsync, close, and rename over the target (which must still be a regular file or absent).
  void commit();

 private:
  [[noreturn]] void fail(const std::string& doing) const;

  std::string path_, what_, temp_path_;
  int fd_ = -1;
};

}  // namespace paratrain
