#include "model/config.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "model/parameters.h"

namespace paratrain {

namespace {

// The UsageError message for a config changed by `mutate`.
std::string error_for(void (*mutate)(ModelConfig&)) {
  ModelConfig config;
  mutate(config);
  try {
    config.validate();
  } catch (const UsageError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ModelConfig, DefaultsAreTheReportBaseline) {
  const ModelConfig config;
  EXPECT_NO_THROW(config.validate());
  EXPECT_EQ(config.vocab_size, 1000);
  EXPECT_EQ(config.seq_len, 256);
  EXPECT_EQ(config.d_model, 512);
  EXPECT_EQ(config.n_heads, 8);
  EXPECT_EQ(config.n_layers, 12);
  EXPECT_EQ(config.ffn_mult, 4);
  EXPECT_FLOAT_EQ(config.dropout, 0.1f);
  EXPECT_EQ(config.batch_size, 32);
}

TEST(ModelConfig, EachInvalidValueNamesItsFlag) {
  EXPECT_NE(error_for([](ModelConfig& c) { c.vocab_size = 0; }).find("--vocab-size"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.seq_len = -3; }).find("--seq-len"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.d_model = 0; }).find("--d-model"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.n_heads = 0; }).find("--n-heads"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.n_layers = 0; }).find("--n-layers"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.ffn_mult = -1; }).find("--ffn-mult"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.batch_size = 0; }).find("--batch-size"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.d_model = 500; }).find("divisible by --n-heads"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.dropout = 1.0f; }).find("--dropout"), std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) { c.dropout = -0.1f; }).find("--dropout"), std::string::npos);
}

// MODEL.md: 6 N + 12 L T D with N = L (3D^2 + D^2 + 2 F D^2) + V D.
TEST(ModelConfig, FlopsPerToken) {
  const ModelConfig config;  // baseline
  const double n = 12.0 * (3 * 512.0 * 512 + 512.0 * 512 + 2 * 4 * 512.0 * 512) + 1000.0 * 512;
  EXPECT_DOUBLE_EQ(config.flops_per_token(), 6 * n + 12.0 * 12 * 256 * 512);
}

TEST(ModelConfig, ParameterCountMatchesTheTable) {
  const ModelConfig config = cpu_small_config();
  int64_t total = 0;
  for (int unit = 0; unit < unit_count(config); ++unit) {
    for (const auto& spec : unit_parameter_specs(config, unit)) total += spec.numel();
  }
  EXPECT_EQ(total, config.parameter_count());
}

// Issue 14: ffn_mult x d_model wrapped to 0 in int and passed validation.
TEST(ModelConfig, HugeProductsAreRefusedWithoutOverflow) {
  EXPECT_NE(error_for([](ModelConfig& c) {
              c.d_model = 32;
              c.n_heads = 4;
              c.ffn_mult = 134217728;
            }).find("--ffn-mult"),
            std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) {
              c.d_model = 1 << 30;
              c.n_heads = 1;
              c.ffn_mult = 1 << 30;
            }).find("--ffn-mult"),
            std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) {
              c.batch_size = 1 << 30;
              c.seq_len = 1 << 30;
              c.vocab_size = 1 << 30;
            }).find("must be < 2^31"),
            std::string::npos);
  EXPECT_NE(error_for([](ModelConfig& c) {
              c.n_layers = 1 << 30;
              c.d_model = 1 << 15;
              c.n_heads = 1;
              c.batch_size = 1;
              c.seq_len = 1;
            }).find("parameters"),
            std::string::npos);
}

}  // namespace paratrain
