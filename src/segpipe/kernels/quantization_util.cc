// TFLite's fixed-point requantization arithmetic (see quantization_util.h).
#include "segpipe/kernels/internal/quantization_util.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace segpipe {

void QuantizeMultiplier(double real_multiplier, int32_t* quantized_multiplier, int* shift) {
  if (real_multiplier == 0.0) {
    *quantized_multiplier = 0;
    *shift = 0;
    return;
  }
  const double q = std::frexp(real_multiplier, shift);  // q in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * (1LL << 31)));
  SEGPIPE_CHECK(q_fixed <= (1LL << 31));
  if (q_fixed == (1LL << 31)) {  // rounding carried into the next power of two
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {  // below what a 32-bit shift can express: the product is 0
    *shift = 0;
    q_fixed = 0;
  }
  if (*shift > 30) {  // larger than the arithmetic can carry: saturate
    *shift = 30;
    q_fixed = (1LL << 31) - 1;
  }
  *quantized_multiplier = static_cast<int32_t>(q_fixed);
}

int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  if (overflow) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  // Division (not a shift) truncates toward zero, which together with the nudge rounds ties
  // away from zero.
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}

int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  SEGPIPE_CHECK(exponent >= 0 && exponent <= 31);
  const int32_t mask = static_cast<int32_t>((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t quantized_multiplier, int shift) {
  // One rounding of the exact 64-bit product (TFLite's single-rounding variant).
  const int total_shift = 31 - shift;  // in [1, 62] for shifts QuantizeMultiplier produces
  const int64_t round = int64_t{1} << (total_shift - 1);
  const int64_t result =
      (static_cast<int64_t>(x) * static_cast<int64_t>(quantized_multiplier) + round) >> total_shift;
  return static_cast<int32_t>(std::clamp<int64_t>(result, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}

int32_t QuantizedMin(DataType type) { return type == DataType::kInt8 ? -128 : 0; }
int32_t QuantizedMax(DataType type) { return type == DataType::kInt8 ? 127 : 255; }

Status QuantizedActivationRange(Activation activation, DataType type, float output_scale,
                                int32_t output_zero_point, int32_t* act_min, int32_t* act_max) {
  const int32_t qmin = QuantizedMin(type);
  const int32_t qmax = QuantizedMax(type);
  auto quantize = [&](float f) {
    // Saturate: with a tiny output scale f / scale lies far outside int32 (or is infinite), and
    // converting such a float to int is undefined. Results inside the range are unchanged.
    const double q = static_cast<double>(output_zero_point) +
                     static_cast<double>(RoundHalfAwayFromZero(f / output_scale));
    if (!(q > std::numeric_limits<int32_t>::min())) return std::numeric_limits<int32_t>::min();
    if (q >= std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
    return static_cast<int32_t>(q);
  };
  switch (activation) {
    case Activation::kNone:
      *act_min = qmin;
      *act_max = qmax;
      return OkStatus();
    case Activation::kRelu:
      *act_min = std::max(qmin, quantize(0.0f));
      *act_max = qmax;
      return OkStatus();
    case Activation::kRelu6:
      *act_min = std::max(qmin, quantize(0.0f));
      *act_max = std::min(qmax, quantize(6.0f));
      return OkStatus();
    case Activation::kReluN1To1:
      *act_min = std::max(qmin, quantize(-1.0f));
      *act_max = std::min(qmax, quantize(1.0f));
      return OkStatus();
    case Activation::kTanh:
    case Activation::kSignBit:
      break;
  }
  return UnimplementedError("fused activation " + std::string(ActivationName(activation)) +
                            " on a quantized output is not supported");
}

}  // namespace segpipe
