#include "io/token_source.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "io/file_checks.h"
#include "core/philox.h"

namespace paratrain {

namespace {
constexpr uint32_t kDataStream = 0xDA7A0001u;  // keeps data draws apart from init and dropout
}

SyntheticTokens::SyntheticTokens(uint32_t seed, int vocab_size, int seq_len)
    : seed_(seed), vocab_size_(vocab_size), seq_len_(seq_len) {}

void SyntheticTokens::fill(uint32_t step, uint32_t first_sample, int samples, int32_t* tokens,
                           int32_t* targets) const {
  for (int sample_idx = 0; sample_idx < samples; ++sample_idx) {
    const uint32_t sample = first_sample + sample_idx;
    auto token_at = [&](int position) {
      const PhiloxCounter words =
          philox4x32_10({static_cast<uint32_t>(position), sample, step, 0}, {seed_, kDataStream});
      return static_cast<int32_t>(words[0] % static_cast<uint32_t>(vocab_size_));
    };
    for (int pos = 0; pos < seq_len_; ++pos) {
      const size_t index = static_cast<size_t>(sample_idx) * seq_len_ + pos;
      tokens[index] = token_at(pos);
      targets[index] = token_at(pos + 1);
    }
  }
}

TextTokens::TextTokens(const std::string& path, uint32_t seed, int vocab_size, int seq_len)
    : path_(path), seed_(seed), seq_len_(seq_len) {
  // Size-checked before reading: a directory, a FIFO or /dev/zero is refused.
  const std::string text = read_input_file(path, "--data", 16 * kGiB);
  bytes_.assign(text.begin(), text.end());
  if (bytes_.empty()) throw UsageError("--data: " + path + " is empty");
  if (vocab_size < 256) {
    throw UsageError("--data needs --vocab-size >= 256 for byte tokens (got " +
                     std::to_string(vocab_size) + ")");
  }
  if (bytes_.size() < static_cast<size_t>(seq_len) + 1) {
    throw UsageError("--seq-len (" + std::to_string(seq_len) + ") must be less than the size of " +
                     path + " (" + std::to_string(bytes_.size()) + " bytes)");
  }
}

void TextTokens::fill(uint32_t step, uint32_t first_sample, int samples, int32_t* tokens,
                      int32_t* targets) const {
  const uint64_t windows = bytes_.size() - static_cast<size_t>(seq_len_);
  for (int sample_idx = 0; sample_idx < samples; ++sample_idx) {
    const PhiloxCounter words =
        philox4x32_10({first_sample + sample_idx, step, 0, 0}, {seed_, kDataStream + 1});
    const uint64_t offset = (uint64_t{words[0]} << 32 | words[1]) % windows;
    for (int pos = 0; pos < seq_len_; ++pos) {
      const size_t index = static_cast<size_t>(sample_idx) * seq_len_ + pos;
      tokens[index] = bytes_[offset + pos];
      targets[index] = bytes_[offset + pos + 1];
    }
  }
}

std::string TextTokens::describe() const {
  return path_ + " (" + std::to_string(bytes_.size()) + " bytes)";
}

}  // namespace paratrain

namespace paratrain {

void FixedTokens::fill(uint32_t /*step*/, uint32_t first_sample, int samples, int32_t* tokens,
                       int32_t* targets) const {
  const size_t begin = static_cast<size_t>(first_sample) * seq_len_;
  const size_t count = static_cast<size_t>(samples) * seq_len_;
  PT_CHECK(begin + count <= tokens_.size(), "fixed batch has fewer samples than asked for");
  std::copy(tokens_.begin() + begin, tokens_.begin() + begin + count, tokens);
  std::copy(targets_.begin() + begin, targets_.begin() + begin + count, targets);
}

}  // namespace paratrain
