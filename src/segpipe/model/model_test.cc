#include "segpipe/model/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace segpipe {
namespace {

// x -> A -> a -> B -> b -> ADD(a, b) -> y : a residual that crosses the cut after B.
Model Residual() {
  Model m;
  auto tensor = [&](std::string name) {
    Tensor t;
    t.name = std::move(name);
    t.type = DataType::kInt8;
    t.shape = {1, 4};
    m.tensors.push_back(t);
    return static_cast<int32_t>(m.tensors.size() - 1);
  };
  int32_t x = tensor("x"), a = tensor("a"), b = tensor("b"), y = tensor("y");
  m.ops.push_back(Op{.type = OpType::kRelu, .inputs = {x}, .outputs = {a}});
  m.ops.push_back(Op{.type = OpType::kTanh, .inputs = {a}, .outputs = {b}});
  m.ops.push_back(Op{.type = OpType::kAdd, .inputs = {a, b}, .outputs = {y}});
  m.inputs = {x};
  m.outputs = {y};
  return m;
}

TEST(ModelTest, SortsOpsTopologically) {
  Model m = Residual();
  std::swap(m.ops[0], m.ops[2]);
  ASSERT_TRUE(ValidateAndSortModel(m).ok());
  EXPECT_EQ(m.ops[0].type, OpType::kRelu);
  EXPECT_EQ(m.ops[2].type, OpType::kAdd);
}

TEST(ModelTest, RejectsCyclesAndBadIndices) {
  Model m = Residual();
  m.ops[0].inputs = {3};  // relu reads y, which depends on relu
  EXPECT_EQ(ValidateAndSortModel(m).code(), StatusCode::kDataLoss);
  m = Residual();
  m.ops[1].inputs = {42};
  EXPECT_EQ(ValidateAndSortModel(m).code(), StatusCode::kDataLoss);
}

// A conv whose (non-constant) filter and output each have 2^34 elements: every tensor is within
// limits, but the MAC count (2^34 * 2^30) overflows int64. Found by the reader fuzzer.
Model ConvWithOverflowingMacs() {
  Model m;
  auto tensor = [&](std::vector<int32_t> shape) {
    m.tensors.push_back(Tensor{.name = "t", .type = DataType::kInt8, .shape = std::move(shape)});
    return static_cast<int32_t>(m.tensors.size() - 1);
  };
  const int32_t x = tensor({1, 4, 4, 16});
  const int32_t filter = tensor({1, 32768, 32768, 16});
  const int32_t y = tensor({1, 131072, 131072, 1});
  m.ops.push_back(Op{.type = OpType::kConv2D, .inputs = {x, filter, -1}, .outputs = {y}});
  m.inputs = {x, filter};
  m.outputs = {y};
  return m;
}

TEST(ModelTest, CostSaturatesInsteadOfOverflowing) {
  const Model m = ConvWithOverflowingMacs();
  const OpCost cost = ComputeOpCost(m, m.ops[0]);
  EXPECT_EQ(cost.macs, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(cost.output_bytes, int64_t{1} << 34);
}

TEST(ModelTest, RefusesAModelWhoseWorkIsImplausible) {
  Model m = ConvWithOverflowingMacs();
  const Status status = ValidateAndSortModel(m);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), testing::HasSubstr("multiply-accumulates per inference"));
}

TEST(ExtractSegmentTest, SegmentAcrossResidualHasBothTensorsAsInputs) {
  Model m = Residual();
  auto seg = ExtractSegment(m, 1, 2);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  ASSERT_EQ(seg->inputs.size(), 1u);  // only `a` comes from outside (b is made inside)
  EXPECT_EQ(seg->tensor(seg->inputs[0]).name, "a");
  ASSERT_EQ(seg->outputs.size(), 1u);
  EXPECT_EQ(seg->tensor(seg->outputs[0]).name, "y");

  auto first = ExtractSegment(m, 0, 0);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->tensor(first->outputs[0]).name, "a");
}

TEST(ExtractSegmentTest, BoundariesCarryTensorsThatSkipASegment) {
  Model m = Residual();
  std::vector<int> ends = {0, 1, 2};
  auto cuts = SegmentBoundaries(m, ends);
  ASSERT_EQ(cuts.size(), 3u);
  EXPECT_EQ(cuts[0], std::vector<int32_t>({1}));     // a
  EXPECT_EQ(cuts[1], std::vector<int32_t>({1, 2}));  // a passes through, b
  EXPECT_EQ(cuts[2], std::vector<int32_t>({3}));     // y
}

TEST(LayerEndsTest, UnweightedOpsJoinThePrecedingLayer) {
  Model m = Residual();
  m.ops[1].type = OpType::kFullyConnected;  // relu joins the first layer: (relu, fc, add)
  EXPECT_EQ(LayerEnds(m), std::vector<int>({2}));
  m.ops[0].type = OpType::kFullyConnected;  // fc | fc, add
  EXPECT_EQ(LayerEnds(m), std::vector<int>({0, 2}));
  m.ops[1].type = OpType::kTanh;            // fc, tanh, add
  EXPECT_EQ(LayerEnds(m), std::vector<int>({2}));
}

TEST(ExtractSegmentTest, RejectsBadRanges) {
  Model m = Residual();
  EXPECT_EQ(ExtractSegment(m, 2, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ExtractSegment(m, 0, 3).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace segpipe
