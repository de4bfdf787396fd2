#pragma once
// The safetensors format: an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then
// the raw little-endian tensor data. Reading checks everything a broken or
// hostile file could get wrong and reports it as a UsageError (exit code 2).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace paratrain {

struct TensorRecord {
  std::string dtype;           // "F32", "I32", ...
  std::vector<int64_t> shape;
  size_t begin = 0, end = 0;   // byte range in the data section
};

class SafetensorsFile {
 public:
  static SafetensorsFile read(const std::string& path);

  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  const TensorRecord& record(const std::string& name) const;
  std::vector<std::string> names() const;

  // The tensor's values; throws UsageError if it is missing or its dtype or
  // shape is not the expected one.
  std::vector<float> f32(const std::string& name, const std::vector<int64_t>& shape) const;
  std::vector<int32_t> i32(const std::string& name, const std::vector<int64_t>& shape) const;

 private:
  std::string path_;
  std::map<std::string, std::string> metadata_;
  std::map<std::string, TensorRecord> tensors_;
  std::vector<uint8_t> data_;
};

struct TensorToWrite {
  std::string name;
  std::string dtype;  // "F32" or "I32"
  std::vector<int64_t> shape;
  const void* data = nullptr;
};

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata);

std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace paratrain
