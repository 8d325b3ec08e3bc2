// Reference kernels on small hand-built ops whose results are worked out by hand (exact
// integers), plus the errors Prepare gives for what is not supported.
#include <cmath>
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
using kernel_testing::RunKernel;
using kernel_testing::RunOp;
using kernel_testing::Values;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ReferenceConvTest, SamePaddingBoxFilterSumsNeighbours) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {1, 3, 3, 1}, Q(1.0f, 0));
  const int32_t w = AddConstant(m, DataType::kUInt8, {1, 3, 3, 1}, std::vector<int>(9, 1), Q(1.0f, 0));
  const int32_t y = AddTensor(m, DataType::kUInt8, {1, 3, 3, 1}, Q(1.0f, 0));
  AddOp(m, OpType::kConv2D, {x, w, -1}, {y});
  const auto out = RunOp(m, {Bytes<uint8_t>({1, 2, 3, 4, 5, 6, 7, 8, 9})});
  EXPECT_THAT(out[0], ElementsAre(12, 21, 16, 27, 45, 33, 24, 39, 28));
}

TEST(ReferenceConvTest, AppliesZeroPointsBiasScaleAndRelu6) {
  // uint8 legacy: input zp 128, filter zp 100, output scale 0.5 zp 10, bias 3.
  // acc = (130-128)*(102-100) + (126-128)*(97-100) + 3 = 4 + 6 + 3 = 13 (real 13 * 0.25 = 3.25)
  // -> 3.25 / 0.5 = 6.5 -> 7 (tie rounds up) + 10 = 17.
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {1, 1, 1, 2}, Q(0.5f, 128));
  const int32_t w = AddConstant(m, DataType::kUInt8, {2, 1, 1, 2}, std::vector<int>{102, 97, 228, 228}, Q(0.5f, 100));
  const int32_t b = AddConstant(m, DataType::kInt32, {2}, std::vector<int>{3, 0});
  const int32_t y = AddTensor(m, DataType::kUInt8, {1, 1, 1, 2}, Q(0.5f, 10));
  OpOptions o;
  o.activation = Activation::kRelu6;
  AddOp(m, OpType::kConv2D, {x, w, b}, {y}, o);
  // Channel 1 (filter - zp = 128, 128) sees 2 - 2 = 0 -> output zero point 10.
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({130, 126})})[0], ElementsAre(17, 10));
  // Channel 0: 72*2 + (-72)*(-3) + 3 = 363 -> 181.5, above relu6's 6 / 0.5 + 10 = 22.
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({200, 56})})[0], ElementsAre(22, 10));
}

TEST(ReferenceConvTest, Int8PerChannelStrideAndDilation) {
  // 1x5x5x1 input 0..24 (int8, scale 1, zp 0); 2 output channels, 2x2 filter of ones with
  // dilation 2 and stride 2, VALID: window {(0,0),(0,2),(2,0),(2,2)} offsets.
  // Output 1x1x1x2 (since (5 - 3 + 2) / 2 = 2 -> 2x2 positions).
  Model m;
  std::vector<int> in(25);
  for (int i = 0; i < 25; ++i) in[i] = i;
  const int32_t x = AddTensor(m, DataType::kInt8, {1, 5, 5, 1}, Q(1.0f, 0));
  Quantization wq{{1.0f, 0.5f}, {0, 0}, 0};
  const int32_t w = AddConstant(m, DataType::kInt8, {2, 2, 2, 1}, std::vector<int>{1, 1, 1, 1, 1, 1, 1, 1}, wq);
  const int32_t y = AddTensor(m, DataType::kInt8, {1, 2, 2, 2}, Q(1.0f, -100));
  OpOptions o;
  o.padding = Padding::kValid;
  o.stride_h = o.stride_w = 2;
  o.dilation_h = o.dilation_w = 2;
  AddOp(m, OpType::kConv2D, {x, w, -1}, {y}, o);
  std::vector<uint8_t> bytes(in.begin(), in.end());
  const auto out = Values<int8_t>(RunOp(m, {bytes})[0]);
  // Position (0,0): 0+2+10+12 = 24; (0,1): 2+4+12+14 = 32; (1,0): 10+12+20+22 = 64;
  // (1,1): 12+14+22+24 = 72. Channel 1 halves them. Output zp -100.
  EXPECT_THAT(out, ElementsAre(-76, -88, -68, -84, -36, -68, -28, -64));
}

TEST(ReferenceConvTest, WindowsWhoseIndicesOverflowInt32AreRefused) {
  // A 3x3 filter dilated by d spans 2 * d + 1 pixels, which must stay at most 2^29. With
  // d = 2^28 - 1 and SAME padding only the centre tap lies inside the image: output = input,
  // from both kernel sets. One more (or the fuzzed file's 1.5e9) and neither builds a kernel. The
  // 1x3x3x1 filter of ones serves as a conv and as a depthwise filter.
  const std::vector<uint8_t> image = Bytes<int8_t>({1, 2, 3, 4, 5, 6, 7, 8, 9});
  for (OpType type : {OpType::kConv2D, OpType::kDepthwiseConv2D}) {
    SCOPED_TRACE(OpTypeName(type));
    Model m;
    const int32_t x = AddTensor(m, DataType::kInt8, {1, 3, 3, 1}, Q(1.0f, 0));
    const int32_t w = AddConstant(m, DataType::kInt8, {1, 3, 3, 1}, std::vector<int>(9, 1),
                                  Q(1.0f, 0));
    const int32_t y = AddTensor(m, DataType::kInt8, {1, 3, 3, 1}, Q(1.0f, 0));
    OpOptions o;
    o.dilation_h = o.dilation_w = (1 << 28) - 1;
    AddOp(m, type, {x, w, -1}, {y}, o);
    EXPECT_EQ(RunOp(m, {image})[0], image);
    auto fast = PrepareFastKernel(m, 0, KernelOptions{});
    ASSERT_TRUE(fast.ok()) << fast.status().ToString();
    ASSERT_NE(*fast, nullptr);
    EXPECT_EQ(RunKernel(m, **fast, {image})[0], image);
    for (int32_t dilation : {1 << 28, 1'526'726'658}) {  // the second from a fuzzed file
      m.ops[0].options.dilation_w = dilation;
      const auto reference = PrepareReferenceKernel(m, 0);
      ASSERT_FALSE(reference.ok()) << dilation;
      EXPECT_THAT(reference.status().message(), HasSubstr("above 2^29"));
      // The fast kernels leave geometry they refuse to the reference kernel, which reports it.
      const auto refused = PrepareFastKernel(m, 0, KernelOptions{});
      ASSERT_TRUE(refused.ok()) << refused.status().ToString();
      EXPECT_EQ(*refused, nullptr) << dilation;
    }
  }
  // Pools: a stride above 2^29.
  Model m;
  const int32_t x = AddTensor(m, DataType::kInt8, {1, 3, 3, 1}, Q(1.0f, 0));
  const int32_t y = AddTensor(m, DataType::kInt8, {1, 1, 1, 1}, Q(1.0f, 0));
  OpOptions o;
  o.filter_h = o.filter_w = 3;
  o.stride_h = o.stride_w = (1 << 29) + 1;
  o.padding = Padding::kValid;
  AddOp(m, OpType::kMaxPool2D, {x}, {y}, o);
  const auto pool = PrepareReferenceKernel(m, 0);
  ASSERT_FALSE(pool.ok());
  EXPECT_THAT(pool.status().message(), HasSubstr("above 2^29"));
  m.ops[0].options.stride_h = m.ops[0].options.stride_w = 1 << 29;
  EXPECT_THAT(RunOp(m, {image})[0], ElementsAre(9));
}

TEST(ReferenceDepthwiseTest, DepthMultiplierTwoReadsOneInputChannel) {
  // Input 1x1x2x2 {1, 2 | 3, 4}; filter 1x1x2x4 (multiplier 2), VALID 1x2 window.
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {1, 1, 2, 2}, Q(1.0f, 0));
  const int32_t w = AddConstant(m, DataType::kUInt8, {1, 1, 2, 4}, std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}, Q(1.0f, 0));
  const int32_t y = AddTensor(m, DataType::kUInt8, {1, 1, 1, 4}, Q(1.0f, 0));
  OpOptions o;
  o.padding = Padding::kValid;
  AddOp(m, OpType::kDepthwiseConv2D, {x, w, -1}, {y}, o);
  // oc0 (ic0): 1*1 + 3*5 = 16; oc1 (ic0): 1*2 + 3*6 = 20; oc2 (ic1): 2*3 + 4*7 = 34; oc3: 2*4 + 4*8 = 40.
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({1, 2, 3, 4})})[0], ElementsAre(16, 20, 34, 40));
}

TEST(ReferenceFullyConnectedTest, BatchedRowsWithBiasAndRelu) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kInt8, {2, 3}, Q(1.0f, 0));
  const int32_t w = AddConstant(m, DataType::kInt8, {2, 3}, std::vector<int>{1, 2, 3, -1, -1, -1}, Q(1.0f, 0));
  const int32_t b = AddConstant(m, DataType::kInt32, {2}, std::vector<int>{10, 1});
  const int32_t y = AddTensor(m, DataType::kInt8, {2, 2}, Q(1.0f, 0));
  OpOptions o;
  o.activation = Activation::kRelu;
  AddOp(m, OpType::kFullyConnected, {x, w, b}, {y}, o);
  const auto out = Values<int8_t>(RunOp(m, {Bytes<int8_t>({1, 1, 1, -5, 0, 5})})[0]);
  // Row 0: 1+2+3+10 = 16, -3+1 = -2 -> 0. Row 1: -5+15+10 = 20, 0+1 = 1.
  EXPECT_THAT(out, ElementsAre(16, 0, 20, 1));
}

TEST(ReferenceElementwiseTest, AddBroadcastsAndRescales) {
  // a: [2,2] scale 1 zp 0; b: [2] scale 2 zp 1; out scale 1 zp 0. Real b = 2 * (q - 1).
  Model m;
  const int32_t a = AddTensor(m, DataType::kUInt8, {2, 2}, Q(1.0f, 0));
  const int32_t b = AddTensor(m, DataType::kUInt8, {2}, Q(2.0f, 1));
  const int32_t y = AddTensor(m, DataType::kUInt8, {2, 2}, Q(1.0f, 0));
  AddOp(m, OpType::kAdd, {a, b}, {y});
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({1, 2, 3, 4}), Bytes<uint8_t>({2, 4})})[0], ElementsAre(3, 8, 5, 10));
  m.ops[0].type = OpType::kSub;
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({10, 20, 30, 40}), Bytes<uint8_t>({2, 4})})[0], ElementsAre(8, 14, 28, 34));
  m.ops[0].type = OpType::kMul;
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({1, 2, 3, 4}), Bytes<uint8_t>({2, 4})})[0], ElementsAre(2, 12, 6, 24));
}

TEST(ReferenceElementwiseTest, BroadcastsAlongAMiddleDimension) {
  Model m;
  const int32_t a = AddTensor(m, DataType::kInt8, {2, 1, 2}, Q(1.0f, 0));
  const int32_t b = AddTensor(m, DataType::kInt8, {1, 3, 1}, Q(1.0f, 0));
  const int32_t y = AddTensor(m, DataType::kInt8, {2, 3, 2}, Q(1.0f, 0));
  AddOp(m, OpType::kAdd, {a, b}, {y});
  const auto out = Values<int8_t>(RunOp(m, {Bytes<int8_t>({1, 2, 3, 4}), Bytes<int8_t>({10, 20, 30})})[0]);
  EXPECT_THAT(out, ElementsAre(11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34));
}

TEST(ReferencePoolTest, AverageRoundsHalfAwayFromZeroAndSkipsPadding) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kInt8, {1, 2, 2, 1}, Q(1.0f, 0));
  const int32_t y = AddTensor(m, DataType::kInt8, {1, 2, 2, 1}, Q(1.0f, 0));
  OpOptions o;
  o.filter_h = o.filter_w = 2;
  AddOp(m, OpType::kAveragePool2D, {x}, {y}, o);  // SAME: windows clipped at the border
  // (0,0): (1 + 2 - 4 - 2) / 4 = -0.75 -> -1; (0,1): (2 - 2) / 2 = 0; (1,0): -6/2 = -3; (1,1): -2.
  EXPECT_THAT(Values<int8_t>(RunOp(m, {Bytes<int8_t>({1, 2, -4, -2})})[0]), ElementsAre(-1, 0, -3, -2));
  m.ops[0].type = OpType::kMaxPool2D;
  EXPECT_THAT(Values<int8_t>(RunOp(m, {Bytes<int8_t>({1, 2, -4, -2})})[0]), ElementsAre(2, 2, -2, -2));
}

TEST(ReferenceActivationTest, SoftmaxOfEqualLogitsIsUniform) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kUInt8, {1, 4}, Q(0.1f, 0));
  const int32_t y = AddTensor(m, DataType::kUInt8, {1, 4}, Q(1.0f / 256, 0));
  AddOp(m, OpType::kSoftmax, {x}, {y});
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({7, 7, 7, 7})})[0], ElementsAre(64, 64, 64, 64));
  // One dominant logit saturates at 255 (1.0 is not representable).
  EXPECT_THAT(RunOp(m, {Bytes<uint8_t>({255, 0, 0, 0})})[0], ElementsAre(255, 0, 0, 0));
}

TEST(ReferenceActivationTest, LogisticTanhReluAndHardSwishFollowTheirFunctions) {
  Model m;
  const int32_t x = AddTensor(m, DataType::kInt8, {5}, Q(0.5f, 0));
  const int32_t y = AddTensor(m, DataType::kInt8, {5}, Q(1.0f / 128, 0));
  AddOp(m, OpType::kLogistic, {x}, {y});
  const std::vector<uint8_t> in = Bytes<int8_t>({-8, -2, 0, 2, 8});  // -4, -1, 0, 1, 4
  auto expect = [&](double (*f)(double)) {
    const auto out = Values<int8_t>(RunOp(m, {in})[0]);
    for (size_t i = 0; i < out.size(); ++i) {
      const double real = 0.5 * static_cast<int8_t>(in[i]);
      const int want = static_cast<int>(std::clamp(std::round(f(real) * 128), -128.0, 127.0));
      EXPECT_EQ(out[i], want) << "x = " << real;
    }
  };
  expect([](double v) { return 1 / (1 + std::exp(-v)); });
  m.ops[0].type = OpType::kTanh;
  expect([](double v) { return std::tanh(v); });
  m.ops[0].type = OpType::kHardSwish;
  expect([](double v) { return v * std::min(6.0, std::max(0.0, v + 3)) / 6; });
  m.ops[0].type = OpType::kRelu6;
  m.tensor(y).quant = Q(1.0f, 0);
  EXPECT_THAT(Values<int8_t>(RunOp(m, {in})[0]), ElementsAre(0, 0, 0, 1, 4));
  m.ops[0].type = OpType::kRelu;
  EXPECT_THAT(Values<int8_t>(RunOp(m, {Bytes<int8_t>({-100, 100, 127, 3, 4})})[0]), ElementsAre(0, 50, 64, 2, 2));
}

}  // namespace
}  // namespace segpipe
