// --precision and --recompute as typed values: parsing, the config's JSON
// (absent when default, so fp32 records read as before) and the sweep field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/config.h"
#include "record/sweep_field.h"
#include "sweep/sweep_point.h"
#include "sweep/sweep_spec.h"

namespace paratrain {
namespace {

TEST(NumericsFields, ParseAndName) {
  EXPECT_EQ(parse_precision("bf16"), Precision::kBf16);
  EXPECT_EQ(parse_precision("fp32"), Precision::kFp32);
  EXPECT_THROW(parse_precision("fp16"), UsageError);
  EXPECT_EQ(parse_recompute("selective"), Recompute::kSelective);
  EXPECT_EQ(parse_recompute("full"), Recompute::kFull);
  EXPECT_THROW(parse_recompute("some"), UsageError);
  EXPECT_STREQ(precision_name(Precision::kBf16), "bf16");
  EXPECT_STREQ(recompute_name(Recompute::kSelective), "selective");
}

TEST(NumericsFields, ConfigJsonOnlyWhenNotDefault) {
  ModelConfig config = cpu_small_config();
  EXPECT_EQ(config.to_json().find("precision"), std::string::npos);
  EXPECT_EQ(config.to_json().find("recompute"), std::string::npos);
  config.precision = Precision::kBf16;
  config.recompute = Recompute::kFull;
  const ModelConfig back = ModelConfig::from_json(nlohmann::json::parse(config.to_json()));
  EXPECT_EQ(back, config);
  const ModelConfig old = ModelConfig::from_json(nlohmann::json::parse(cpu_small_config().to_json()));
  EXPECT_EQ(old.precision, Precision::kFp32);
  EXPECT_EQ(old.recompute, Recompute::kNone);
}

TEST(NumericsFields, SweepGridByName) {
  const GridAxis axis = parse_grid_flag("precision=fp32,bf16");
  ASSERT_EQ(axis.field, SweepField::kPrecision);
  ASSERT_EQ(axis.values.size(), 2u);
  ModelConfig model = cpu_small_config();
  Layout layout;
  apply_field(axis.field, axis.values[1], model, layout);
  EXPECT_EQ(model.precision, Precision::kBf16);
  EXPECT_EQ(format_field_value(axis.field, axis.values[1]), "bf16");
  EXPECT_EQ(numerics_key_suffix(model), "|precision=bf16");
  const GridAxis recompute = parse_grid_flag("recompute=none,selective,full");
  apply_field(recompute.field, recompute.values[2], model, layout);
  EXPECT_EQ(model.recompute, Recompute::kFull);
  EXPECT_EQ(format_field_value(recompute.field, recompute.values[1]), "selective");
  EXPECT_THROW(parse_grid_flag("precision=fp16"), UsageError);
  EXPECT_EQ(numerics_key_suffix(cpu_small_config()), "");
}

}  // namespace
}  // namespace paratrain
