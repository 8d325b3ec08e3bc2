// Model summaries: counts, totals, names of unsupported ops, and the stable JSON keys.
#include "segpipe/tflite/internal/inspect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "segpipe/tflite/internal/test_models.h"

namespace segpipe {
namespace {

using ::testing::HasSubstr;

TEST(InspectTest, SummarizesOpsTotalsAndUnsupportedOps) {
  Model model = testing_models::AllOpsModel();
  ModelSummary s = SummarizeModel(model);
  ASSERT_EQ(s.ops.size(), model.ops.size());
  // conv: output 1x8x8x4 = 256 elements x 3x3x4 filter taps = 9216 MACs.
  EXPECT_EQ(s.ops[0].type, "CONV_2D");
  EXPECT_EQ(s.ops[0].macs, 9216);
  EXPECT_EQ(s.ops[0].weight_bytes, 4 * 3 * 3 * 4 + 4 * 4);
  EXPECT_EQ(s.ops[0].quantization, "int8 per-channel");
  int64_t macs = 0;
  for (const OpSummary& op : s.ops) macs += op.macs;
  EXPECT_EQ(s.total_macs, macs);
  EXPECT_EQ(s.op_counts["GATHER"], 1);
  EXPECT_EQ(s.unsupported_ops,
            (std::vector<std::string>{"CUSTOM(my-custom-op)", "GATHER", "builtin code 150"}));
  std::string text = FormatSummaryText(s);
  EXPECT_THAT(text, HasSubstr("unsupported ops"));
  EXPECT_THAT(text, HasSubstr(" 1x8x8x2, 1x8x8x2 "));  // SPLIT's two outputs, unpadded
  EXPECT_THAT(text, HasSubstr("CUSTOM(my-custom-op)"));
}

TEST(InspectTest, JsonHasTheStableKeys) {
  Model model = testing_models::AllOpsModel();
  nlohmann::json j = nlohmann::json::parse(FormatSummaryJson(SummarizeModel(model)));
  ASSERT_EQ(j["ops"].size(), model.ops.size());
  for (const char* key : {"index", "type", "macs", "weight_bytes", "output_shape"})
    EXPECT_TRUE(j["ops"][0].contains(key)) << key;
  EXPECT_EQ(j["ops"][0]["output_shape"], (std::vector<int>{1, 8, 8, 4}));
  for (const char* key : {"ops", "macs", "weight_bytes"}) EXPECT_TRUE(j["totals"].contains(key)) << key;
  EXPECT_EQ(j["totals"]["ops"], model.ops.size());
  ASSERT_EQ(j["inputs"].size(), 1u);
  EXPECT_EQ(j["inputs"][0]["name"], "input");
  EXPECT_EQ(j["inputs"][0]["quantization"], "int8 per-tensor");
  EXPECT_EQ(j["outputs"].size(), 2u);
}

}  // namespace
}  // namespace segpipe
