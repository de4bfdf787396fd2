#pragma once
// Where training tokens come from. A source fills any slice of any step's
// global batch on demand, so every rank can take its own share without
// reading or drawing the others'.
#include <cstdint>
#include <string>
#include <vector>

namespace paratrain {

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // tokens, targets: (samples, T) for global samples first_sample .. + samples of `step`.
  virtual void fill(uint32_t step, uint32_t first_sample, int samples, int32_t* tokens,
                    int32_t* targets) const = 0;
  virtual std::string describe() const = 0;
};

// Uniform random token sequences keyed by (seed, step, sample, position); the
// targets are the sequence shifted by one, as in language modelling.
class SyntheticTokens : public TokenSource {
 public:
  SyntheticTokens(uint32_t seed, int vocab_size, int seq_len);
  void fill(uint32_t step, uint32_t first_sample, int samples, int32_t* tokens,
            int32_t* targets) const override;
  std::string describe() const override { return "synthetic"; }

 private:
  uint32_t seed_;
  int vocab_size_, seq_len_;
};

// A text file as byte-level tokens (ids 0..255). Each sample is a window of
// T + 1 bytes at an offset drawn from (seed, step, sample).
class TextTokens : public TokenSource {
 public:
  // Throws UsageError if the file is missing, empty, shorter than T + 1 bytes,
  // or the vocabulary is smaller than 256.
  TextTokens(const std::string& path, uint32_t seed, int vocab_size, int seq_len);
  void fill(uint32_t step, uint32_t first_sample, int samples, int32_t* tokens,
            int32_t* targets) const override;
  std::string describe() const override;

 private:
  std::string path_;
  std::vector<uint8_t> bytes_;
  uint32_t seed_;
  int seq_len_;
};

}  // namespace paratrain

namespace paratrain {

// The same given batch (B, T) at every step: for reference checks.
class FixedTokens : public TokenSource {
 public:
  FixedTokens(std::vector<int32_t> tokens, std::vector<int32_t> targets, int seq_len)
      : tokens_(std::move(tokens)), targets_(std::move(targets)), seq_len_(seq_len) {}
  void fill(uint32_t step, uint32_t first_sample, int samples, int32_t* tokens,
            int32_t* targets) const override;
  std::string describe() const override { return "fixed batch"; }

 private:
  std::vector<int32_t> tokens_, targets_;
  int seq_len_;
};

}  // namespace paratrain
