#include "io/safetensors.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/file_checks.h"
#include "io/output_file.h"

namespace paratrain {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // as the reference implementation limits it
constexpr uint64_t kMaxFileBytes = 64 * kGiB;

size_t dtype_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

[[noreturn]] void bad_file(const std::string& path, const std::string& why) {
  throw UsageError(path + ": " + why, 2);
}

TensorRecord parse_record(const std::string& path, const std::string& name,
                          const nlohmann::json& entry, size_t data_bytes) {
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
      !entry.contains("data_offsets")) {
    bad_file(path, "tensor '" + name + "' lacks dtype, shape or data_offsets");
  }
  TensorRecord record;
  record.dtype = entry["dtype"].get<std::string>();
  const size_t element_size = dtype_size(record.dtype);
  if (element_size == 0) bad_file(path, "tensor '" + name + "' has unknown dtype " + record.dtype);
  size_t count = 1;
  for (const auto& dim : entry["shape"]) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
      bad_file(path, "tensor '" + name + "' has a bad shape");
    }
    record.shape.push_back(dim.get<int64_t>());
    count *= static_cast<size_t>(dim.get<int64_t>());
  }
  const auto& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2) bad_file(path, "tensor '" + name + "' has bad data_offsets");
  record.begin = offsets[0].get<size_t>();
  record.end = offsets[1].get<size_t>();
  if (record.begin > record.end || record.end > data_bytes) {
    bad_file(path, "tensor '" + name + "' lies outside the file (truncated?)");
  }
  if (record.end - record.begin != count * element_size) {
    bad_file(path, "tensor '" + name + "' has " + std::to_string(record.end - record.begin) +
                       " bytes, its shape needs " + std::to_string(count * element_size));
  }
  return record;
}

}  // namespace

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t idx = 0; idx < shape.size(); ++idx) {
    out += (idx ? ", " : "") + std::to_string(shape[idx]);
  }
  return out + "]";
}

SafetensorsFile SafetensorsFile::read(const std::string& path) {
  // Size-checked before reading: a directory or /dev/zero is refused, not read.
  const std::string text = read_input_file(path, "safetensors file", kMaxFileBytes);
  const std::vector<uint8_t> bytes(text.begin(), text.end());
  if (bytes.size() < 8) bad_file(path, "not a safetensors file (shorter than 8 bytes)");
  uint64_t header_bytes = 0;
  for (int byte = 7; byte >= 0; --byte) header_bytes = header_bytes << 8 | bytes[byte];
  if (header_bytes > kMaxHeaderBytes) {
    bad_file(path, "header too large (" + std::to_string(header_bytes) +
                       " bytes, limit 100 MiB): not a safetensors file?");
  }
  if (8 + header_bytes > bytes.size()) bad_file(path, "truncated header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(header_bytes));
  } catch (const nlohmann::json::exception&) {
    bad_file(path, "not a safetensors file (header is not JSON)");
  }
  if (!header.is_object()) bad_file(path, "not a safetensors file (header is not a JSON object)");

  SafetensorsFile file;
  file.path_ = path;
  file.data_.assign(bytes.begin() + 8 + static_cast<long>(header_bytes), bytes.end());
  try {
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") {
        for (auto meta = it->begin(); meta != it->end(); ++meta) {
          file.metadata_[meta.key()] = meta->get<std::string>();
        }
        continue;
      }
      file.tensors_[it.key()] = parse_record(path, it.key(), it.value(), file.data_.size());
    }
  } catch (const nlohmann::json::exception& error) {
    bad_file(path, std::string("malformed header: ") + error.what());
  }
  return file;
}

const TensorRecord& SafetensorsFile::record(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) bad_file(path_, "missing tensor '" + name + "'");
  return it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, record] : tensors_) out.push_back(name);
  return out;
}

namespace {

template <typename T>
std::vector<T> typed_values(const std::string& path, const TensorRecord& record,
                            const std::string& name, const std::string& dtype,
                            const std::vector<int64_t>& shape, const std::vector<uint8_t>& data) {
  if (record.dtype != dtype) bad_file(path, "tensor '" + name + "' is " + record.dtype + ", expected " + dtype);
  if (record.shape != shape) {
    bad_file(path, "tensor '" + name + "' has shape " + shape_string(record.shape) + ", expected " +
                       shape_string(shape));
  }
  std::vector<T> values((record.end - record.begin) / sizeof(T));
  std::memcpy(values.data(), data.data() + record.begin, record.end - record.begin);
  return values;
}

}  // namespace

std::vector<float> SafetensorsFile::f32(const std::string& name,
                                        const std::vector<int64_t>& shape) const {
  return typed_values<float>(path_, record(name), name, "F32", shape, data_);
}

std::vector<int32_t> SafetensorsFile::i32(const std::string& name,
                                          const std::vector<int64_t>& shape) const {
  return typed_values<int32_t>(path_, record(name), name, "I32", shape, data_);
}

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  size_t offset = 0;
  for (const auto& tensor : tensors) {
    size_t bytes = dtype_size(tensor.dtype);
    PT_CHECK(bytes != 0, "cannot write dtype " + tensor.dtype);
    for (int64_t dim : tensor.shape) bytes *= static_cast<size_t>(dim);
    header[tensor.name] = {{"dtype", tensor.dtype}, {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  OutputFile out(path, "safetensors file");  // every write checked, renamed into place
  const uint64_t length = text.size();
  char length_bytes[8];
  for (int byte = 0; byte < 8; ++byte) length_bytes[byte] = static_cast<char>(length >> (8 * byte) & 0xff);
  out.write(length_bytes, sizeof length_bytes);
  out.write(text);
  for (const auto& tensor : tensors) {
    size_t bytes = dtype_size(tensor.dtype);
    for (int64_t dim : tensor.shape) bytes *= static_cast<size_t>(dim);
    out.write(tensor.data, bytes);
  }
  out.commit();
}

}  // namespace paratrain
