#pragma once
// The results file of a sweep: JSON lines, one record per point, appended
// the moment each lands. Loading it tells which points are done, so a rerun
// resumes where an interrupted one stopped.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace paratrain {

class ResultStore {
 public:
  // Reads `path` if it exists (creating its folder otherwise). A last line
  // cut short by a crash is cut off the file; any other line that does not
  // parse is ignored. Both are said on stderr.
  explicit ResultStore(std::string path);

  bool contains(const std::string& key) const { return by_key_.count(key) != 0; }
  // A stored successful record measured under `measurement_key`, or null.
  const nlohmann::json* find_measurement(const std::string& measurement_key) const;
  const std::vector<nlohmann::json>& records() const { return records_; }
  const std::string& path() const { return path_; }

  // Appends the record as one line: a single O_APPEND write() then fsync(),
  // so a crash leaves either the whole line or a cut last line load() drops.
  void append(nlohmann::json record, const std::string& key, const std::string& measurement_key);

 private:
  void load();
  void write_line(const nlohmann::json& record);
  void index(size_t position, const std::string& measurement_key);

  std::string path_;
  std::vector<nlohmann::json> records_;
  std::map<std::string, size_t> by_key_;
  std::map<std::string, size_t> by_measurement_;
};

}  // namespace paratrain
