// Reference data-movement, quantize, reduce, resize and arg-max kernels on hand-worked cases,
// and the errors Prepare gives for unsupported ops and types.
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/kernels/internal/reference_test_util.h"

namespace segpipe {
namespace {

using kernel_testing::AddConstant;
using kernel_testing::AddOp;
using kernel_testing::AddTensor;
using kernel_testing::Bytes;
using kernel_testing::Q;
using kernel_testing::RunOp;
using kernel_testing::Values;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ReferenceReshapeTest, ReshapeAndSqueezeCopyBytes) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {1, 2, 3}, Q(1.0f, 0));
  const int32_t y = AddTensor(m, DataType::kUInt8, {6}, Q(1.0f, 0));
  AddOp(m, OpType::kReshape, {x}, {y});
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({1, 2, 3, 4, 5, 6})})[0], ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST(ReferenceReshapeTest, TransposeMovesAxes) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kInt8, {2, 3}, Q(1.0f, 0));
  const int32_t perm = AddConstant(m, DataType::kInt32, {2}, std::vector<int>{1, 0});
  const int32_t y = AddTensor(m, DataType::kInt8, {3, 2}, Q(1.0f, 0));
  AddOp(m, OpType::kTranspose, {x, perm}, {y});
  EXPECT_THAT(Values<int8_t>(RunOp(m, {Bytes<int8_t>({1, 2, 3, 4, 5, 6})})[0]), ElementsAre(1, 4, 2, 5, 3, 6));
}

TEST(ReferenceReshapeTest, PadFillsWithTheZeroPoint) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {1, 2}, Q(0.5f, 7));
  const int32_t pads = AddConstant(m, DataType::kInt32, {2, 2}, std::vector<int>{1, 0, 1, 2});
  const int32_t y = AddTensor(m, DataType::kUInt8, {2, 5}, Q(0.5f, 7));
  AddOp(m, OpType::kPad, {x, pads}, {y});
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({1, 2})})[0], ElementsAre(7, 7, 7, 7, 7, 7, 1, 2, 7, 7));
}

TEST(ReferenceReshapeTest, ConcatenationRescalesInputsWithOtherQuantization) {
  Model m;
  const int32_t a = AddTensor(m, DataType::kUInt8, {2, 1}, Q(1.0f, 0));
  const int32_t b = AddTensor(m, DataType::kUInt8, {2, 2}, Q(2.0f, 10));  // real 2 * (q - 10)
  const int32_t y = AddTensor(m, DataType::kUInt8, {2, 3}, Q(1.0f, 0));
  OpOptions o;
  o.axis = -1;
  AddOp(m, OpType::kConcatenation, {a, b}, {y}, o);
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({5, 6}), Bytes<uint8_t>({11, 12, 13, 9})})[0],
              ElementsAre(5, 2, 4, 6, 6, 0));  // 2 * (9 - 10) = -2 clamps to 0
}

TEST(ReferenceReshapeTest, SplitCutsEqualPieces) {
  Model m;
  const int32_t axis = AddConstant(m, DataType::kInt32, {}, std::vector<int>{1});
  const int32_t x = AddTensor(m, DataType::kUInt8, {2, 4}, Q(1.0f, 0));
  const int32_t y0 = AddTensor(m, DataType::kUInt8, {2, 2}, Q(1.0f, 0));
  const int32_t y1 = AddTensor(m, DataType::kUInt8, {2, 2}, Q(1.0f, 0));
  AddOp(m, OpType::kSplit, {axis, x}, {y0, y1});
  const auto out = RunOp(m, {Bytes<uint8_t>({1, 2, 3, 4, 5, 6, 7, 8})});
  EXPECT_THAT(out[0], ElementsAre(1, 2, 5, 6));
  EXPECT_THAT(out[1], ElementsAre(3, 4, 7, 8));
}

TEST(ReferenceQuantizeTest, RequantizesUint8ToInt8AndDequantizes) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {4}, Q(0.5f, 128));
  const int32_t y = AddTensor(m, DataType::kInt8, {4}, Q(0.5f, 0));
  AddOp(m, OpType::kQuantize, {x}, {y});
  EXPECT_THAT(Values<int8_t>(RunOp(m, {Bytes<uint8_t>({0, 128, 255, 130})})[0]), ElementsAre(-128, 0, 127, 2));
  Model d;
  const int32_t q = AddTensor(d, DataType::kInt8, {3}, Q(0.25f, -2));
  const int32_t f = AddTensor(d, DataType::kFloat32, {3});
  AddOp(d, OpType::kDequantize, {q}, {f});
  EXPECT_THAT(Values<float>(RunOp(d, {Bytes<int8_t>({-2, 2, -10})})[0]), ElementsAre(0.0f, 1.0f, -2.0f));
  Model fq;
  const int32_t r = AddTensor(fq, DataType::kFloat32, {4});
  const int32_t o = AddTensor(fq, DataType::kUInt8, {4}, Q(0.5f, 10));
  AddOp(fq, OpType::kQuantize, {r}, {o});
  EXPECT_THAT(RunOp(fq, {Bytes<float>({0.0f, 1.25f, -100.0f, 1e30f})})[0], ElementsAre(10, 13, 0, 255));
}

TEST(ReferenceMeanTest, AveragesOverSpatialAxesAndRescales) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kInt8, {1, 2, 2, 2}, Q(1.0f, 0));
  const int32_t axes = AddConstant(m, DataType::kInt32, {2}, std::vector<int>{1, 2});
  const int32_t y = AddTensor(m, DataType::kInt8, {1, 2}, Q(0.5f, -1));
  AddOp(m, OpType::kMean, {x, axes}, {y});
  // Channel 0: (1 + 2 + 3 + 4) / 4 = 2.5 -> 5 + (-1) = 4; channel 1: -10 -> -20 - 1 = -21.
  EXPECT_THAT(Values<int8_t>(RunOp(m, {Bytes<int8_t>({1, -10, 2, -10, 3, -10, 4, -10})})[0]), ElementsAre(4, -21));
}

TEST(ReferenceResizeTest, BilinearHalfPixelCentresTruncates) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {1, 1, 2, 1}, Q(1.0f, 0));
  const int32_t size = AddConstant(m, DataType::kInt32, {2}, std::vector<int>{1, 4});
  const int32_t y = AddTensor(m, DataType::kUInt8, {1, 1, 4, 1}, Q(1.0f, 0));
  OpOptions o;
  o.half_pixel_centers = true;
  AddOp(m, OpType::kResizeBilinear, {x, size}, {y}, o);
  // Source x = (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25. Neighbours are clamped into the
  // image but the weights are not: x = -0.25 gives 10 * 1.25 + 10 * -0.25 = 10.
  // Then 12.5 -> 12 and 17.5 -> 17 (truncated), and 20 at the right edge.
  const auto out = RunOp(m, {Bytes<uint8_t>({10, 20})})[0];
  EXPECT_THAT(out, ElementsAre(10, 12, 17, 20));
}

TEST(ReferenceArgMaxTest, ReturnsTheFirstLargestIndex) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kInt8, {2, 3}, Q(1.0f, 0));
  const int32_t axis = AddConstant(m, DataType::kInt32, {1}, std::vector<int>{-1});
  const int32_t y = AddTensor(m, DataType::kInt64, {2});
  AddOp(m, OpType::kArgMax, {x, axis}, {y});
  EXPECT_THAT(Values<int64_t>(RunOp(m, {Bytes<int8_t>({1, 5, 5, -3, -2, -9})})[0]), ElementsAre(1, 1));
}

TEST(ReferencePrepareTest, NamesIndexOpAndTypeOfWhatIsUnsupported) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kFloat32, {1, 2, 2, 1});
  const int32_t w = AddConstant(m, DataType::kFloat32, {1, 1, 1, 1}, std::vector<float>{1});
  const int32_t y = AddTensor(m, DataType::kFloat32, {1, 2, 2, 1});
  AddOp(m, OpType::kConv2D, {x, w, -1}, {y});
  Status s = PrepareReferenceKernel(m, 0).status();
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("op 0 (CONV_2D)"));
  EXPECT_THAT(s.message(), HasSubstr("float32"));

  m.ops[0].type = OpType::kCustom;
  m.ops[0].custom_code = "fake-op-double";
  s = PrepareReferenceKernel(m, 0).status();
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("op 0 (CUSTOM 'fake-op-double')"));
}

TEST(ReferencePrepareTest, RejectsAFusedTanhAndInconsistentShapes) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {1, 2}, Q(1.0f, 0));
  const int32_t w = AddConstant(m, DataType::kUInt8, {3, 2}, std::vector<int>(6, 1), Q(1.0f, 0));
  const int32_t y = AddTensor(m, DataType::kUInt8, {1, 3}, Q(1.0f, 0));
  OpOptions o;
  o.activation = Activation::kTanh;
  AddOp(m, OpType::kFullyConnected, {x, w, -1}, {y}, o);
  EXPECT_EQ(PrepareReferenceKernel(m, 0).status().code(), StatusCode::kUnimplemented);
  m.ops[0].options.activation = Activation::kNone;
  EXPECT_TRUE(PrepareReferenceKernel(m, 0).ok());
  m.tensor(y).shape = {1, 4};
  EXPECT_EQ(PrepareReferenceKernel(m, 0).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace segpipe
