#include "io/token_source.h"

#include <gtest/gtest.h>
#include "../temp_path.h"

#include <fstream>
#include <vector>

#include "core/error.h"

namespace paratrain {

TEST(SyntheticTokens, SlicesAgreeWithTheWholeBatch) {
  const SyntheticTokens source(42, 100, 8);
  std::vector<int32_t> all_tokens(6 * 8), all_targets(6 * 8), part_tokens(2 * 8), part_targets(2 * 8);
  source.fill(3, 0, 6, all_tokens.data(), all_targets.data());
  source.fill(3, 4, 2, part_tokens.data(), part_targets.data());
  for (int idx = 0; idx < 16; ++idx) {
    EXPECT_EQ(part_tokens[idx], all_tokens[4 * 8 + idx]);
    EXPECT_EQ(part_targets[idx], all_targets[4 * 8 + idx]);
  }
  for (int32_t token : all_tokens) EXPECT_TRUE(token >= 0 && token < 100);
  // targets are the sequence shifted by one
  for (int pos = 0; pos + 1 < 8; ++pos) EXPECT_EQ(all_targets[pos], all_tokens[pos + 1]);
  std::vector<int32_t> other(6 * 8), other_targets(6 * 8);
  source.fill(4, 0, 6, other.data(), other_targets.data());
  EXPECT_NE(other, all_tokens);  // another step, another batch
}

TEST(TextTokens, BytesAsTokens) {
  const std::string path = testing::temp_path("paratrain_text.txt");
  std::ofstream(path) << "abcdefghijklmnopqrstuvwxyz";
  const TextTokens source(path, 1, 256, 4);
  std::vector<int32_t> tokens(3 * 4), targets(3 * 4);
  source.fill(0, 0, 3, tokens.data(), targets.data());
  for (int sample = 0; sample < 3; ++sample) {
    for (int pos = 0; pos < 4; ++pos) {
      const int32_t token = tokens[sample * 4 + pos];
      EXPECT_TRUE(token >= 'a' && token <= 'z');
      EXPECT_EQ(targets[sample * 4 + pos], token + 1);  // the next byte
    }
  }
}

TEST(TextTokens, BadFilesAreRefused) {
  const std::string empty = testing::temp_path("paratrain_empty.txt");
  std::ofstream(empty).close();
  EXPECT_THROW(TextTokens(empty, 1, 256, 4), UsageError);
  EXPECT_THROW(TextTokens("/nonexistent/file.txt", 1, 256, 4), UsageError);
  const std::string shortfile = testing::temp_path("paratrain_short.txt");
  std::ofstream(shortfile) << "abc";
  EXPECT_THROW(TextTokens(shortfile, 1, 256, 4), UsageError);   // seq_len beyond the data
  EXPECT_THROW(TextTokens(shortfile, 1, 100, 2), UsageError);   // vocab below 256
}

}  // namespace paratrain
