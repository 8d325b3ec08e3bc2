// Tests of TFLite's fixed-point requantization helpers against hand-computed values.
#include "segpipe/kernels/internal/quantization_util.h"

#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

namespace segpipe {
namespace {

TEST(QuantizeMultiplierTest, RepresentsPowersOfTwoAndFractionsExactly) {
  int32_t m;
  int shift;
  QuantizeMultiplier(0.5, &m, &shift);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(shift, 0);
  QuantizeMultiplier(1.0, &m, &shift);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(shift, 1);
  QuantizeMultiplier(0.75, &m, &shift);
  EXPECT_EQ(m, 3 << 29);
  EXPECT_EQ(shift, 0);
  QuantizeMultiplier(0.0, &m, &shift);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(shift, 0);
}

TEST(QuantizeMultiplierTest, CarriesARoundedUpMantissaIntoTheExponent) {
  int32_t m;
  int shift;
  QuantizeMultiplier(1.0 - 1e-12, &m, &shift);  // mantissa rounds to 2^31
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(shift, 1);
}

TEST(QuantizeMultiplierTest, FlushesTinyMultipliersToZero) {
  int32_t m;
  int shift;
  QuantizeMultiplier(1e-12, &m, &shift);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(shift, 0);
}

TEST(MultiplyByQuantizedMultiplierTest, RoundsTiesUpward) {
  int32_t half;
  int shift;
  QuantizeMultiplier(0.5, &half, &shift);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(3, half, shift), 2);    // 1.5
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-3, half, shift), -1);  // -1.5
  EXPECT_EQ(MultiplyByQuantizedMultiplier(4, half, shift), 2);
  int32_t quarter;
  QuantizeMultiplier(0.25, &quarter, &shift);
  EXPECT_EQ(shift, -1);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(5, quarter, shift), 1);    // 1.25
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-7, quarter, shift), -2);  // -1.75
}

TEST(MultiplyByQuantizedMultiplierTest, AgreesWithRealArithmeticOnRandomValues) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> real(1e-4, 8.0);
  std::uniform_int_distribution<int32_t> acc(-1 << 20, 1 << 20);
  for (int i = 0; i < 20000; ++i) {
    const double r = real(rng);
    const int32_t x = acc(rng);
    int32_t m;
    int shift;
    QuantizeMultiplier(r, &m, &shift);
    const double exact = x * r;
    const int32_t got = MultiplyByQuantizedMultiplier(x, m, shift);
    // The mantissa carries 31 bits, so only results within a hair of a tie may round either way.
    EXPECT_LE(std::abs(got - exact), 0.5 + 1e-6 * std::abs(exact) + 1e-6) << x << " * " << r;
  }
}

TEST(MultiplyByQuantizedMultiplierTest, SaturatesInsteadOfWrapping) {
  int32_t m;
  int shift;
  QuantizeMultiplier(4.0, &m, &shift);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(std::numeric_limits<int32_t>::max(), m, shift),
            std::numeric_limits<int32_t>::max());
  EXPECT_EQ(MultiplyByQuantizedMultiplier(std::numeric_limits<int32_t>::min(), m, shift),
            std::numeric_limits<int32_t>::min());
}

TEST(GemmlowpPrimitivesTest, RoundAsGemmlowpDoesAndSaturate) {
  EXPECT_EQ(RoundingDivideByPOT(5, 1), 3);
  EXPECT_EQ(RoundingDivideByPOT(-5, 1), -3);
  EXPECT_EQ(RoundingDivideByPOT(4, 1), 2);
  EXPECT_EQ(RoundingDivideByPOT(7, 0), 7);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(std::numeric_limits<int32_t>::min(),
                                              std::numeric_limits<int32_t>::min()),
            std::numeric_limits<int32_t>::max());
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(1 << 30, 1 << 30), 1 << 29);
  // The nudge rounds positive ties up and negative ties toward zero.
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(3, 1 << 30), 2);    // 1.5
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-3, 1 << 30), -1);  // -1.5
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-5, 1 << 30), -2);  // -2.5
}

TEST(QuantizedActivationRangeTest, ClampsToTheQuantizedImageOfTheActivation) {
  int32_t lo, hi;
  ASSERT_TRUE(QuantizedActivationRange(Activation::kNone, DataType::kInt8, 0.1f, 3, &lo, &hi).ok());
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
  ASSERT_TRUE(QuantizedActivationRange(Activation::kRelu6, DataType::kUInt8, 0.1f, 10, &lo, &hi).ok());
  EXPECT_EQ(lo, 10);
  EXPECT_EQ(hi, 70);
  ASSERT_TRUE(QuantizedActivationRange(Activation::kRelu, DataType::kUInt8, 0.1f, 10, &lo, &hi).ok());
  EXPECT_EQ(lo, 10);
  EXPECT_EQ(hi, 255);
  ASSERT_TRUE(QuantizedActivationRange(Activation::kReluN1To1, DataType::kInt8, 0.5f, 0, &lo, &hi).ok());
  EXPECT_EQ(lo, -2);
  EXPECT_EQ(hi, 2);
  ASSERT_TRUE(QuantizedActivationRange(Activation::kRelu6, DataType::kUInt8, 0.01f, 0, &lo, &hi).ok());
  EXPECT_EQ(hi, 255);  // 6.0 lies above the type's range
  EXPECT_EQ(QuantizedActivationRange(Activation::kTanh, DataType::kUInt8, 0.1f, 0, &lo, &hi).code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace segpipe
