#include "io/safetensors.h"

#include <gtest/gtest.h>
#include "../temp_path.h"

#include <cstdio>
#include <fstream>
#include <vector>

#include "core/error.h"

namespace paratrain {

namespace {

std::string temp_path(const std::string& name) {
  return testing::temp_path("paratrain_" + name);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string header_file(const std::string& json, size_t data_bytes) {
  std::string out(8, '\0');
  for (int byte = 0; byte < 8; ++byte) out[byte] = static_cast<char>(json.size() >> (8 * byte));
  return out + json + std::string(data_bytes, '\0');
}

// The message of the UsageError that reading `path` throws.
std::string read_error(const std::string& path) {
  try {
    SafetensorsFile::read(path);
  } catch (const UsageError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  ADD_FAILURE() << "no error for " << path;
  return "";
}

}  // namespace

TEST(Safetensors, RoundTrip) {
  const std::vector<float> weights = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  const std::vector<int32_t> ids = {4, 5, 6};
  const std::string path = temp_path("roundtrip.safetensors");
  write_safetensors(path,
                    {{"w", "F32", {2, 3}, weights.data()}, {"ids", "I32", {3}, ids.data()}},
                    {{"note", "{\"a\": 1}"}});
  const SafetensorsFile file = SafetensorsFile::read(path);
  EXPECT_EQ(file.f32("w", {2, 3}), weights);
  EXPECT_EQ(file.i32("ids", {3}), ids);
  EXPECT_EQ(file.metadata().at("note"), "{\"a\": 1}");
}

TEST(Safetensors, ReadsTheReferenceFile) {
  const SafetensorsFile file = SafetensorsFile::read(PARATRAIN_REFERENCE_DIR "/tiny.safetensors");
  EXPECT_EQ(file.record("tok_emb.weight").shape, (std::vector<int64_t>{64, 32}));
  EXPECT_TRUE(file.metadata().count("tolerance"));
}

TEST(Safetensors, WrongShapeOrDtypeIsRefused) {
  const std::vector<float> weights(6, 1.0f);
  const std::string path = temp_path("shape.safetensors");
  write_safetensors(path, {{"w", "F32", {2, 3}, weights.data()}}, {});
  const SafetensorsFile file = SafetensorsFile::read(path);
  EXPECT_THROW(file.f32("w", {3, 2}), UsageError);
  EXPECT_THROW(file.i32("w", {2, 3}), UsageError);
  EXPECT_THROW(file.f32("missing", {1}), UsageError);
}

TEST(Safetensors, BrokenFilesAreRefusedWithAReason) {
  const std::string dir = testing::process_temp_dir() + "/";
  write_bytes(temp_path("short"), "abc");
  EXPECT_NE(read_error(temp_path("short")).find("shorter than 8 bytes"), std::string::npos);

  std::string huge(8, '\0');
  huge[6] = 0x7f;  // a header length of about 2^54 bytes
  write_bytes(temp_path("huge"), huge + "{}");
  EXPECT_NE(read_error(temp_path("huge")).find("header too large"), std::string::npos);

  write_bytes(temp_path("truncated_header"), header_file("{\"a\": 1}", 0).substr(0, 12));
  EXPECT_NE(read_error(temp_path("truncated_header")).find("truncated header"), std::string::npos);

  write_bytes(temp_path("notjson"), header_file("not json", 0));
  EXPECT_NE(read_error(temp_path("notjson")).find("not JSON"), std::string::npos);

  write_bytes(temp_path("truncated_data"),
              header_file(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 8));
  EXPECT_NE(read_error(temp_path("truncated_data")).find("outside the file"), std::string::npos);

  write_bytes(temp_path("badsize"),
              header_file(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}})", 16));
  EXPECT_NE(read_error(temp_path("badsize")).find("its shape needs"), std::string::npos);

  write_bytes(temp_path("dtype"),
              header_file(R"({"w": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}})", 4));
  EXPECT_NE(read_error(temp_path("dtype")).find("unknown dtype"), std::string::npos);

  EXPECT_NE(read_error(temp_path("does_not_exist")).find("cannot open"), std::string::npos);
}

}  // namespace paratrain
