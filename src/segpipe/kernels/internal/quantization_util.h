// TFLite's fixed-point requantization arithmetic, shared by the reference and fast kernels.
//
// A real multiplier m (e.g. input_scale * filter_scale / output_scale) is represented as a
// Q0.31 mantissa and a power-of-two exponent. TFLite has two ways to apply it to an int32
// accumulator: the classic gemmlowp pair (rounding doubling high multiply, then rounding right
// shift: two roundings) and its single-rounding variant (one rounding of the exact 64-bit
// product, ties upward), selected by TFLITE_SINGLE_ROUNDING. They differ by 1 in rare ties.
// MultiplyByQuantizedMultiplier uses the single-rounding variant: it is what TFLite's XNNPACK
// path computes for convolutions, so the reference kernels agree exactly with the TFLite runtime
// on chains of convolutions, instead of drifting apart by one rounding step per layer. The
// two-rounding primitives stay available (and tested) for kernels that need them.
// Everything here is a pure function.
#ifndef SEGPIPE_KERNELS_INTERNAL_QUANTIZATION_UTIL_H_
#define SEGPIPE_KERNELS_INTERNAL_QUANTIZATION_UTIL_H_

#include <cmath>
#include <cstdint>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

// m = quantized_multiplier * 2^(shift - 31), quantized_multiplier in [2^30, 2^31) (or 0).
// Multipliers too small to represent become 0; too large ones saturate at 2^31-1 * 2^30.
void QuantizeMultiplier(double real_multiplier, int32_t* quantized_multiplier, int* shift);

// round((a * b) / 2^31), saturating the one overflowing case (INT32_MIN * INT32_MIN).
int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b);

// x / 2^exponent rounded to nearest, ties away from zero. 0 <= exponent <= 31.
int32_t RoundingDivideByPOT(int32_t x, int exponent);

// round(x * quantized_multiplier * 2^(shift - 31)), ties toward +infinity, saturated to int32
// (TFLite's single-rounding MultiplyByQuantizedMultiplier).
int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t quantized_multiplier, int shift);

// Rounds half away from zero, as TFLite's TfLiteRound / std::round.
inline float RoundHalfAwayFromZero(float x) { return std::round(x); }

// round(x) clamped to [lo, hi] before the conversion, so an infinite or NaN value from crafted
// scales (NaN -> lo) never reaches an out-of-range float-to-int conversion.
inline int32_t RoundToClampedInt(float x, int32_t lo, int32_t hi) {
  const float r = std::round(x);
  if (!(r >= static_cast<float>(lo))) return lo;
  if (r > static_cast<float>(hi)) return hi;
  return static_cast<int32_t>(r);
}

// The smallest and largest value of an 8-bit quantized type (int8 or uint8).
int32_t QuantizedMin(DataType type);
int32_t QuantizedMax(DataType type);

// The clamp range of a fused activation on a quantized output (TFLite's
// CalculateActivationRangeQuantized). TANH and SIGN_BIT are not fusable activations for
// quantized ops: UnimplementedError.
Status QuantizedActivationRange(Activation activation, DataType type, float output_scale,
                                int32_t output_zero_point, int32_t* act_min, int32_t* act_max);

}  // namespace segpipe

#endif  // SEGPIPE_KERNELS_INTERNAL_QUANTIZATION_UTIL_H_
