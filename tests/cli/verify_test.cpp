// paratrain verify against the PyTorch reference files, and its failures.
#include <gtest/gtest.h>
#include "../temp_path.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "io/safetensors.h"
#include "run_command.h"

namespace paratrain {

using testing::run_paratrain;

namespace {

const std::string kTinyReference = PARATRAIN_REFERENCE_DIR "/tiny.safetensors";
const std::string kSmallReference = PARATRAIN_REFERENCE_DIR "/small.safetensors";

std::vector<char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A copy of the tiny reference with element `index` of `tensor` changed by `delta`.
std::string altered_copy(const std::string& tensor, size_t index, float delta) {
  std::vector<char> bytes = read_all(kTinyReference);
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  const TensorRecord record = SafetensorsFile::read(kTinyReference).record(tensor);
  float value = 0;
  char* where = bytes.data() + 8 + header + record.begin + index * sizeof(float);
  std::memcpy(&value, where, sizeof value);
  value += delta;
  std::memcpy(where, &value, sizeof value);
  const std::string path = testing::temp_path("paratrain_altered.safetensors");
  write_all(path, bytes);
  return path;
}

// A copy of the tiny reference without `dropped`.
std::string copy_without(const std::string& dropped) {
  const SafetensorsFile file = SafetensorsFile::read(kTinyReference);
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<int32_t>> ints;
  std::vector<TensorToWrite> tensors;
  floats.reserve(1000);
  ints.reserve(10);
  for (const auto& name : file.names()) {
    if (name == dropped) continue;
    const TensorRecord& record = file.record(name);
    if (record.dtype == "F32") {
      floats.push_back(file.f32(name, record.shape));
      tensors.push_back({name, "F32", record.shape, floats.back().data()});
    } else {
      ints.push_back(file.i32(name, record.shape));
      tensors.push_back({name, "I32", record.shape, ints.back().data()});
    }
  }
  const std::string path = testing::temp_path("paratrain_missing.safetensors");
  write_safetensors(path, tensors, file.metadata());
  return path;
}

}  // namespace

TEST(Verify, PassesOnTinyReference) {
  const auto result = run_paratrain("verify --reference " + kTinyReference);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("VERIFY PASS"), std::string::npos);
}

TEST(Verify, PassesOnSmallReference) {
  const auto result = run_paratrain("verify --reference " + kSmallReference);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("VERIFY PASS"), std::string::npos);
}

TEST(Verify, PassesWithMicroBatches) {
  const auto result = run_paratrain("verify --micro-batch 1 --reference " + kSmallReference);
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(Verify, FailsOnAChangedExpectation) {
  for (const auto& [tensor, index] : {std::pair{"expected.logits", 100}, std::pair{"grad.blocks.1.mlp.fc1.weight", 7},
                                      std::pair{"step1.lm_head.weight", 3}, std::pair{"expected.loss", 0}}) {
    const auto result = run_paratrain("verify --reference " + altered_copy(tensor, index, 0.01f));
    EXPECT_EQ(result.exit_code, 1) << tensor << "\n" << result.output;
    EXPECT_NE(result.output.find("VERIFY FAIL"), std::string::npos);
  }
  // the same copy with the value put back passes
  const auto result = run_paratrain("verify --reference " + altered_copy("expected.logits", 100, 0.0f));
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(Verify, UnusableFilesExitTwo) {
  auto expect_unusable = [](const std::string& path, const std::string& reason) {
    const auto result = run_paratrain("verify --reference " + path);
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find(reason), std::string::npos) << result.output;
  };
  expect_unusable(copy_without("grad.ln_f.bias"), "missing tensor 'grad.ln_f.bias'");
  std::vector<char> bytes = read_all(kTinyReference);
  bytes.resize(bytes.size() / 2);
  const std::string truncated = testing::temp_path("paratrain_truncated.safetensors");
  write_all(truncated, bytes);
  expect_unusable(truncated, "truncated");
  const std::string text = testing::temp_path("paratrain_text.safetensors");
  std::ofstream(text) << "this is not a safetensors file at all";
  expect_unusable(text, "not a safetensors file");  // its "header length" is text
  expect_unusable("/nonexistent.safetensors", "cannot open");
}

}  // namespace paratrain
