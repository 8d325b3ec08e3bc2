// Direct uint8 DEPTHWISE_CONV_2D (see dnnl_depthwise.h).
#include "segpipe/kernels/internal/dnnl_depthwise.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "segpipe/kernels/internal/dnnl_util.h"

namespace segpipe {
namespace {

using namespace dnnl_kernels;  // NOLINT: the helpers of this family of files

struct DepthwiseParams {
  ConvGeometry g;
  int32_t in_channels = 0;
  int32_t multiplier = 1;
  int32_t out_channels = 0;
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  QuantizedRange range;
};

// One clone of a hot loop per ISA level, dispatched once per call through an ifunc. ThreadSanitizer
// binaries crash in the dynamic loader on ifunc resolvers, so sanitized-for-threads builds keep
// the portable version only.
#if defined(__SANITIZE_THREAD__)
#define SEGPIPE_ISA_CLONES
#else
#define SEGPIPE_ISA_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

// One output element from its accumulator: round half away from zero like TFLite; the float
// scaling makes this +-1 of TFLite's fixed point.
inline uint8_t RequantizeOne(int32_t acc, float scale, float zo, float lo, float hi) {
  const float real = static_cast<float>(acc) * scale;
  const float rounded = real >= 0.0f ? real + 0.5f : real - 0.5f;
  const float q = static_cast<float>(static_cast<int32_t>(rounded)) + zo;
  return static_cast<uint8_t>(q < lo ? lo : (q > hi ? hi : q));
}

// Computes output rows [row_begin, row_end) (row = n * out_h + oy). For every output pixel:
// acc[oc] = bias[oc] + sum over the taps inside the image of (x - zx) * (w - zw), then
// requantized and clamped. `weights` is [kh*kw][out_channels] int16 (centred). One clone per ISA:
// the channel loops are plain int32/float arithmetic on contiguous NHWC data, which the compiler
// vectorizes; dispatch happens once per call, not per pixel.
SEGPIPE_ISA_CLONES
void DepthwiseRows(const DepthwiseParams& p, const uint8_t* __restrict input,
                   const int16_t* __restrict weights, const int32_t* __restrict bias,
                   const float* __restrict scales, uint8_t* __restrict output, int32_t row_begin,
                   int32_t row_end, int32_t* __restrict acc) {
  const int32_t in_c = p.in_channels;
  const int32_t out_c = p.out_channels;
  const int32_t m = p.multiplier;
  const int32_t zx = p.input_zero_point;
  const float zo = static_cast<float>(p.output_zero_point);
  const float lo = static_cast<float>(p.range.min);
  const float hi = static_cast<float>(p.range.max);
  const size_t in_image = static_cast<size_t>(p.g.in_h) * p.g.in_w * in_c;
  for (int32_t row = row_begin; row < row_end; ++row) {
    const int32_t n = row / p.g.out_h;
    const int32_t oy = row % p.g.out_h;
    const uint8_t* image = input + static_cast<size_t>(n) * in_image;
    uint8_t* out = output + static_cast<size_t>(row) * p.g.out_w * out_c;
    for (int32_t ox = 0; ox < p.g.out_w; ++ox, out += out_c) {
      for (int32_t c = 0; c < out_c; ++c) acc[c] = bias[c];
      for (int32_t ky = 0; ky < p.g.kernel_h; ++ky) {
        const int32_t iy = oy * p.g.stride_h - p.g.pad_top + ky * p.g.dilation_h;
        if (iy < 0 || iy >= p.g.in_h) continue;  // padding: (zx - zx) * w = 0
        for (int32_t kx = 0; kx < p.g.kernel_w; ++kx) {
          const int32_t ix = ox * p.g.stride_w - p.g.pad_left + kx * p.g.dilation_w;
          if (ix < 0 || ix >= p.g.in_w) continue;
          const uint8_t* __restrict x = image + (static_cast<size_t>(iy) * p.g.in_w + ix) * in_c;
          const int16_t* __restrict w = weights + static_cast<size_t>(ky * p.g.kernel_w + kx) * out_c;
          if (m == 1) {
            for (int32_t c = 0; c < out_c; ++c) {
              acc[c] += (static_cast<int32_t>(x[c]) - zx) * static_cast<int32_t>(w[c]);
            }
          } else {
            for (int32_t c = 0; c < out_c; ++c) {
              acc[c] += (static_cast<int32_t>(x[c / m]) - zx) * static_cast<int32_t>(w[c]);
            }
          }
        }
      }
      for (int32_t c = 0; c < out_c; ++c) out[c] = RequantizeOne(acc[c], scales[c], zo, lo, hi);
    }
  }
}

// The same for stride_w == 1 and depth multiplier 1, a row at a time: along an output row the
// input pixels a tap reads are contiguous, so a tap is ONE long multiply-accumulate over
// (ox range) * channels elements against weights replicated along the row (`row_weights`
// [kh*kw][out_w*channels]), instead of a short loop per pixel (MobileNet has 32..128 channels).
// For 3x3 kernels the columns whose three taps are all inside the image are computed in one
// fused pass (nine taps summed in registers, requantized on the spot; an image row above or
// below the image reads `zero_row`, which holds the input zero point, i.e. real 0); the edge
// columns accumulate tap by tap in `acc` (out_w*channels int32).
SEGPIPE_ISA_CLONES
void DepthwiseRowsContiguous(const DepthwiseParams& p, const uint8_t* __restrict input,
                             const int16_t* __restrict row_weights,
                             const int32_t* __restrict row_bias,
                             const float* __restrict row_scales,
                             const uint8_t* __restrict zero_row, uint8_t* __restrict output,
                             int32_t row_begin, int32_t row_end, int32_t* __restrict acc) {
  const int32_t c = p.out_channels;
  const int32_t zx = p.input_zero_point;
  const float zo = static_cast<float>(p.output_zero_point);
  const float lo = static_cast<float>(p.range.min);
  const float hi = static_cast<float>(p.range.max);
  const int32_t row_len = p.g.out_w * c;
  const size_t in_image = static_cast<size_t>(p.g.in_h) * p.g.in_w * c;
  const bool fused = p.g.kernel_h == 3 && p.g.kernel_w == 3;
  // Columns whose taps all lie inside the image: ox + kx * dilation - pad_left in [0, in_w).
  const int32_t inner_begin = fused ? std::min(p.g.out_w, p.g.pad_left) : p.g.out_w;
  const int32_t inner_end =
      fused ? std::max(inner_begin,
                       std::min(p.g.out_w, p.g.in_w - 2 * p.g.dilation_w + p.g.pad_left))
            : p.g.out_w;
  for (int32_t row = row_begin; row < row_end; ++row) {
    const int32_t n = row / p.g.out_h;
    const int32_t oy = row % p.g.out_h;
    const uint8_t* image = input + static_cast<size_t>(n) * in_image;
    uint8_t* __restrict out = output + static_cast<size_t>(row) * row_len;

    // Edge columns [0, inner_begin) and [inner_end, out_w), tap by tap.
    const int32_t ranges[2][2] = {{0, inner_begin}, {inner_end, p.g.out_w}};
    for (const auto& range : ranges) {
      if (range[0] >= range[1]) continue;
      for (int32_t j = range[0] * c; j < range[1] * c; ++j) acc[j] = row_bias[j];
      for (int32_t ky = 0; ky < p.g.kernel_h; ++ky) {
        const int32_t iy = oy * p.g.stride_h - p.g.pad_top + ky * p.g.dilation_h;
        if (iy < 0 || iy >= p.g.in_h) continue;  // padding: (zx - zx) * w = 0
        for (int32_t kx = 0; kx < p.g.kernel_w; ++kx) {
          const int32_t shift = kx * p.g.dilation_w - p.g.pad_left;
          const int32_t ox_begin = std::max(range[0], -shift);
          const int32_t ox_end = std::min(range[1], p.g.in_w - shift);
          if (ox_begin >= ox_end) continue;
          const uint8_t* __restrict x =
              image + (static_cast<size_t>(iy) * p.g.in_w + (ox_begin + shift)) * c;
          const int16_t* __restrict w =
              row_weights + static_cast<size_t>(ky * p.g.kernel_w + kx) * row_len + ox_begin * c;
          int32_t* __restrict a = acc + ox_begin * c;
          const int32_t len = (ox_end - ox_begin) * c;
          for (int32_t j = 0; j < len; ++j) {
            a[j] += (static_cast<int32_t>(x[j]) - zx) * static_cast<int32_t>(w[j]);
          }
        }
      }
      for (int32_t j = range[0] * c; j < range[1] * c; ++j) {
        out[j] = RequantizeOne(acc[j], row_scales[j], zo, lo, hi);
      }
    }
    if (inner_begin >= inner_end) continue;

    // Inner columns, 3x3 fused. x_t[j] is the input byte tap t reads for output element j.
    const uint8_t* rows[3];
    for (int32_t ky = 0; ky < 3; ++ky) {
      const int32_t iy = oy * p.g.stride_h - p.g.pad_top + ky * p.g.dilation_h;
      rows[ky] = iy < 0 || iy >= p.g.in_h ? zero_row : image + static_cast<size_t>(iy) * p.g.in_w * c;
    }
    const int32_t d = p.g.dilation_w * c;
    const int32_t base = -p.g.pad_left * c;
    const uint8_t* __restrict x0 = rows[0] + base;
    const uint8_t* __restrict x1 = rows[1] + base;
    const uint8_t* __restrict x2 = rows[2] + base;
    const int16_t* __restrict w = row_weights;
    const size_t t = static_cast<size_t>(row_len);
    for (int32_t j = inner_begin * c; j < inner_end * c; ++j) {
      const int32_t sum =
          row_bias[j] +
          (static_cast<int32_t>(x0[j]) - zx) * w[j] +
          (static_cast<int32_t>(x0[j + d]) - zx) * w[t + j] +
          (static_cast<int32_t>(x0[j + 2 * d]) - zx) * w[2 * t + j] +
          (static_cast<int32_t>(x1[j]) - zx) * w[3 * t + j] +
          (static_cast<int32_t>(x1[j + d]) - zx) * w[4 * t + j] +
          (static_cast<int32_t>(x1[j + 2 * d]) - zx) * w[5 * t + j] +
          (static_cast<int32_t>(x2[j]) - zx) * w[6 * t + j] +
          (static_cast<int32_t>(x2[j + d]) - zx) * w[7 * t + j] +
          (static_cast<int32_t>(x2[j + 2 * d]) - zx) * w[8 * t + j];
      out[j] = RequantizeOne(sum, row_scales[j], zo, lo, hi);
    }
  }
}

// Lifetime and thread-safety as Kernel. Owns centred weights, bias and per-thread accumulators.
class DirectDepthwiseKernel final : public Kernel {
 public:
  DirectDepthwiseKernel(DepthwiseParams params, std::vector<int16_t> weights,
                        std::vector<int32_t> bias, std::vector<float> scales, int num_threads)
      : p_(params),
        weights_(std::move(weights)),
        bias_(std::move(bias)),
        scales_(std::move(scales)),
        num_threads_(std::max(1, num_threads)),
        contiguous_(p_.g.stride_w == 1 && p_.multiplier == 1) {
    const size_t c = static_cast<size_t>(p_.out_channels);
    const size_t row_len = contiguous_ ? c * static_cast<size_t>(p_.g.out_w) : c;
    acc_.resize(static_cast<size_t>(num_threads_) * row_len);
    if (contiguous_) {
      // Replicate weights, bias and scales along the output row once, here at Prepare.
      const size_t taps = static_cast<size_t>(p_.g.kernel_h) * p_.g.kernel_w;
      row_weights_.resize(taps * row_len);
      row_bias_.resize(row_len);
      row_scales_.resize(row_len);
      zero_row_.assign(static_cast<size_t>(p_.g.in_w) * c,
                       static_cast<uint8_t>(p_.input_zero_point));
      for (size_t j = 0; j < row_len; ++j) {
        for (size_t t = 0; t < taps; ++t) row_weights_[t * row_len + j] = weights_[t * c + j % c];
        row_bias_[j] = bias_[j % c];
        row_scales_[j] = scales_[j % c];
      }
    }
  }

  void Run(const KernelIo& io) override {
    const int32_t rows = p_.g.batch * p_.g.out_h;
    if (num_threads_ == 1) {
      RunRows(io, 0, rows, acc_.data());
      return;
    }
    const size_t acc_per_thread = acc_.size() / static_cast<size_t>(num_threads_);
#pragma omp parallel num_threads(num_threads_)
    {
      const int32_t threads = omp_get_num_threads();
      const int32_t t = omp_get_thread_num();
      RunRows(io, rows * t / threads, rows * (t + 1) / threads,
              acc_.data() + static_cast<size_t>(t) * acc_per_thread);
    }
  }

 private:
  void RunRows(const KernelIo& io, int32_t begin, int32_t end, int32_t* acc) {
    if (contiguous_) {
      DepthwiseRowsContiguous(p_, io.inputs[0], row_weights_.data(), row_bias_.data(),
                              row_scales_.data(), zero_row_.data(), io.outputs[0], begin, end,
                              acc);
    } else {
      DepthwiseRows(p_, io.inputs[0], weights_.data(), bias_.data(), scales_.data(),
                    io.outputs[0], begin, end, acc);
    }
  }

  DepthwiseParams p_;
  std::vector<int16_t> weights_;
  std::vector<int32_t> bias_;
  std::vector<float> scales_;
  int num_threads_;
  bool contiguous_;  // stride_w 1, multiplier 1: the row-at-a-time path
  std::vector<int16_t> row_weights_;  // contiguous path: weights_ replicated along the row
  std::vector<int32_t> row_bias_;
  std::vector<float> row_scales_;
  std::vector<uint8_t> zero_row_;  // one image row of the input zero point (real 0)
  std::vector<int32_t> acc_;  // per thread: one pixel's (or, contiguous, one row's) channels
};

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareDirectDepthwiseConv2D(const Model& model, int op_index,
                                                               const KernelOptions& options) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  if (op.inputs.size() < 2 || op.outputs.size() != 1 || op.inputs[0] < 0 || op.inputs[1] < 0) {
    return std::unique_ptr<Kernel>();
  }
  const Tensor& input = model.tensor(op.inputs[0]);
  const Tensor& weights = model.tensor(op.inputs[1]);
  const Tensor& output = model.tensor(op.outputs[0]);
  const Tensor* bias =
      op.inputs.size() > 2 && op.inputs[2] >= 0 ? &model.tensor(op.inputs[2]) : nullptr;
  if (bias != nullptr && !BiasFits(*bias, OutputChannels(op, weights))) {
    return std::unique_ptr<Kernel>();
  }
  const auto flavour = FlavourOf(input, weights, output, bias);
  const auto range = ActivationRange(op.options.activation, output);
  if (flavour != QuantFlavour::kUInt8PerTensor || !range || weights.shape.size() != 4 ||
      weights.shape[0] != 1 || input.shape.size() != 4 || output.shape.size() != 4) {
    return std::unique_ptr<Kernel>();
  }
  DepthwiseParams p;
  p.in_channels = input.shape[3];
  p.out_channels = weights.shape[3];
  if (p.in_channels < 1 || output.shape[3] != p.out_channels ||
      p.out_channels % p.in_channels != 0) {
    return std::unique_ptr<Kernel>();
  }
  p.multiplier = p.out_channels / p.in_channels;
  // Inconsistent shapes are left to the reference kernel, which reports them.
  auto geometry =
      ComputeConvGeometry(op.options, input, weights.shape[1], weights.shape[2], output);
  if (!geometry.ok()) return std::unique_ptr<Kernel>();
  p.g = *geometry;
  p.input_zero_point = static_cast<int32_t>(input.quant.zero_point[0]);
  p.output_zero_point = static_cast<int32_t>(output.quant.zero_point[0]);
  p.range = *range;

  const auto weight_zero_point = static_cast<int32_t>(weights.quant.zero_point[0]);
  std::vector<int16_t> centred(weights.data.size());
  for (size_t i = 0; i < centred.size(); ++i) {
    centred[i] = static_cast<int16_t>(static_cast<int32_t>(weights.data[i]) - weight_zero_point);
  }
  std::vector<int32_t> bias_values(static_cast<size_t>(p.out_channels), 0);
  if (bias != nullptr) {
    std::memcpy(bias_values.data(), bias->data.data(), bias_values.size() * sizeof(int32_t));
  }
  std::vector<float> scales(static_cast<size_t>(p.out_channels),
                            OutputScales(input, weights, output)[0]);
  return std::unique_ptr<Kernel>(std::make_unique<DirectDepthwiseKernel>(
      p, std::move(centred), std::move(bias_values), std::move(scales), options.num_threads));
}

}  // namespace segpipe
