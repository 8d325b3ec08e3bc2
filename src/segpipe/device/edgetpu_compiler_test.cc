// Segment choice and the compiler-style report.
#include "segpipe/device/internal/edgetpu_compiler.h"

#include <gtest/gtest.h>

#include "segpipe/synth/internal/paper_models.h"

namespace segpipe {
namespace {

Model FcModel(int hidden) {
  synth::FcConfig c;
  c.hidden = hidden;
  c.calibration_inputs = 0;
  return synth::SynthesizeFc(c).value().model;
}

std::vector<int> Counts(const std::vector<int64_t>& bytes, int segments, const char* split) {
  auto counts = SegmentLayerCounts(bytes, segments, ParseSplitSpec(split).value());
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  return counts.ok() ? *counts : std::vector<int>{};
}

TEST(SplitSpecTest, ParsesNamesAndLayerLists) {
  EXPECT_EQ(ParseSplitSpec("default")->kind, SplitKind::kParams);
  EXPECT_EQ(ParseSplitSpec("params")->kind, SplitKind::kParams);
  EXPECT_EQ(ParseSplitSpec("uniform")->kind, SplitKind::kUniform);
  auto list = ParseSplitSpec("1,3");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->cut_after_layers, (std::vector<int>{1, 3}));
  EXPECT_EQ(SplitSpecName(*list), "1,3");
  for (const char* bad : {"", "0", "3,2", "2,2", "x", "1,", "1,,2", "-1"})
    EXPECT_FALSE(ParseSplitSpec(bad).ok()) << bad;
}

TEST(SplitSpecTest, UniformGivesTheRemainderToTheLastSegments) {
  const std::vector<int64_t> five(5, 1);
  EXPECT_EQ(Counts(five, 2, "uniform"), (std::vector<int>{2, 3}));
  EXPECT_EQ(Counts(five, 3, "uniform"), (std::vector<int>{1, 2, 2}));
  EXPECT_EQ(Counts(five, 4, "uniform"), (std::vector<int>{1, 1, 1, 2}));
  EXPECT_EQ(Counts(five, 5, "uniform"), (std::vector<int>{1, 1, 1, 1, 1}));
}

TEST(SplitSpecTest, ParamsCutsBeforeExceedingTheAverage) {
  EXPECT_EQ(Counts({1, 10, 10, 10, 1}, 2, "params"), (std::vector<int>{2, 3}));
  EXPECT_EQ(Counts({10, 1, 1, 1, 10}, 2, "params"), (std::vector<int>{2, 3}));  // 11 <= 11.5
  EXPECT_EQ(Counts({5, 1, 1, 1, 10}, 2, "params"), (std::vector<int>{4, 1}));
  // Every segment gets at least one layer even when one layer dominates.
  EXPECT_EQ(Counts({100, 1, 1}, 3, "params"), (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(Counts({1, 1, 100}, 3, "params"), (std::vector<int>{1, 1, 1}));
}

TEST(SplitSpecTest, ExplicitCutsMustMatchSegmentsAndLayers) {
  const std::vector<int64_t> five(5, 1);
  EXPECT_EQ(Counts(five, 2, "2"), (std::vector<int>{2, 3}));
  EXPECT_EQ(Counts(five, 3, "1,3"), (std::vector<int>{1, 2, 2}));
  EXPECT_FALSE(SegmentLayerCounts(five, 3, ParseSplitSpec("2").value()).ok());
  EXPECT_FALSE(SegmentLayerCounts(five, 2, ParseSplitSpec("5").value()).ok());
  EXPECT_FALSE(SegmentLayerCounts(five, 6, ParseSplitSpec("uniform").value()).ok());
  EXPECT_FALSE(SegmentLayerCounts(five, 0, ParseSplitSpec("uniform").value()).ok());
}

TEST(EdgeTpuCompilerTest, SegmentsCoverTheModelInOrder) {
  const Model m = FcModel(300);
  auto c = CompileForEdgeTpu(m, 3, ParseSplitSpec("uniform").value(), EdgeTpuSpec{});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->segments.size(), 3u);
  EXPECT_EQ(c->segments[0].placement.first_op, 0);
  EXPECT_EQ(c->segments[0].placement.last_op, 1);  // layer 1 = FC + TANH
  EXPECT_EQ(c->segments[1].placement.first_op, 2);
  EXPECT_EQ(c->segments[2].placement.last_op, static_cast<int>(m.ops.size()) - 1);
  EXPECT_EQ(c->segments[1].first_layer, 2);
  EXPECT_EQ(c->segments[1].last_layer, 3);
  EXPECT_EQ(c->segments[1].placement.input_bytes, 300);
}

TEST(EdgeTpuCompilerTest, FormatsBytesInTheCompilersUnits) {
  EXPECT_EQ(FormatCompilerBytes(0), "0.00B");
  EXPECT_EQ(FormatCompilerBytes(52992), "51.75KiB");
  EXPECT_EQ(FormatCompilerBytes(4266240), "4.07MiB");
}

TEST(EdgeTpuCompilerTest, ReportUsesTheCompilersWording) {
  const Model model = FcModel(2020);
  auto c = CompileForEdgeTpu(model, 2, ParseSplitSpec("uniform").value(), EdgeTpuSpec{});
  ASSERT_TRUE(c.ok());
  const std::string report = FormatCompilerReport(model, *c);
  EXPECT_NE(report.find("On-chip memory used for caching model parameters: 4.07MiB"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("Off-chip memory used for streaming uncached model parameters: 3.95MiB"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("On-chip memory remaining for caching model parameters:"),
            std::string::npos);
  EXPECT_NE(report.find("Number of operations that will run on Edge TPU: 5"), std::string::npos);
  EXPECT_NE(report.find("Number of operations that will run on CPU: 0"), std::string::npos);
  EXPECT_NE(report.find("Operator"), std::string::npos);
  EXPECT_NE(report.find("FULLY_CONNECTED"), std::string::npos);
  EXPECT_NE(report.find("Mapped to Edge TPU"), std::string::npos);
}

TEST(EdgeTpuOpsTest, FirstUnmappableOpEndsTheEdgeTpuSubgraph) {
  Model model = FcModel(300);  // FC, TANH, FC, TANH, FC, TANH, FC, TANH, FC
  ASSERT_GE(model.ops.size(), 5u);
  const SegmentOpMapping all = MapOpsForEdgeTpu(model, 0, static_cast<int>(model.ops.size()) - 1);
  EXPECT_TRUE(all.cpu_ops.empty());
  EXPECT_EQ(all.num_edgetpu_ops, static_cast<int>(model.ops.size()));

  model.ops[2].type = OpType::kCustom;  // an op the compiler does not know
  model.ops[2].custom_code = "my-op";
  const int last = static_cast<int>(model.ops.size()) - 1;
  const SegmentOpMapping m = MapOpsForEdgeTpu(model, 0, last);
  EXPECT_EQ(m.end_op, 2);
  EXPECT_EQ(m.num_edgetpu_ops, 2);
  ASSERT_EQ(m.cpu_ops.size(), model.ops.size() - 2);
  EXPECT_EQ(m.cpu_ops.front(), 2);
  EXPECT_NE(m.status[2].find("my-op"), std::string::npos);
  EXPECT_EQ(m.status[3], kEdgeTpuAfterCpuOp);  // mappable, but after the CPU op
  EXPECT_EQ(m.status[0], kEdgeTpuMapped);

  // Only the first layer (ops 0-1) holds parameters on the device.
  auto placement = PlaceSegment(model, 0, last, EdgeTpuSpec{});
  ASSERT_TRUE(placement.ok());
  EXPECT_EQ(placement->cpu_ops, m.cpu_ops);
  EXPECT_EQ(placement->on_chip_bytes + placement->off_chip_bytes,
            EdgeTpuWeightBytes(model, model.ops[0], EdgeTpuSpec{}));
  EXPECT_GT(placement->cpu_ops_ns, 0);
}

}  // namespace
}  // namespace segpipe
