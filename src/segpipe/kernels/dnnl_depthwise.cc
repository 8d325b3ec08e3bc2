// Direct uint8 DEPTHWISE_CONV_2D (see dnnl_depthwise.h).
#include "segpipe/kernels/dnnl_depthwise.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "segpipe/kernels/dnnl_util.h"

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

// acc[oc] += sum over taps of (x - zx) * (w - zw), for the taps inside the image.
// `weights` is [kh*kw][out_channels] int16 (centred), `bias` int32 per output channel.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
void AccumulatePixel(const DepthwiseParams& p, const uint8_t* image, const int16_t* weights,
                     int32_t oy, int32_t ox, int32_t* acc) {
  const int32_t in_c = p.in_channels;
  const int32_t out_c = p.out_channels;
  const int32_t zx = p.input_zero_point;
  for (int32_t ky = 0; ky < p.g.kernel_h; ++ky) {
    const int32_t iy = oy * p.g.stride_h - p.g.pad_top + ky * p.g.dilation_h;
    if (iy < 0 || iy >= p.g.in_h) continue;
    for (int32_t kx = 0; kx < p.g.kernel_w; ++kx) {
      const int32_t ix = ox * p.g.stride_w - p.g.pad_left + kx * p.g.dilation_w;
      if (ix < 0 || ix >= p.g.in_w) continue;
      const uint8_t* x = image + (static_cast<size_t>(iy) * p.g.in_w + ix) * in_c;
      const int16_t* w = weights + static_cast<size_t>(ky * p.g.kernel_w + kx) * out_c;
      if (p.multiplier == 1) {
        for (int32_t c = 0; c < out_c; ++c) {
          acc[c] += (static_cast<int32_t>(x[c]) - zx) * static_cast<int32_t>(w[c]);
        }
      } else {
        for (int32_t c = 0; c < in_c; ++c) {
          const int32_t xc = static_cast<int32_t>(x[c]) - zx;
          for (int32_t j = 0; j < p.multiplier; ++j) {
            acc[c * p.multiplier + j] += xc * static_cast<int32_t>(w[c * p.multiplier + j]);
          }
        }
      }
    }
  }
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
void Requantize(const DepthwiseParams& p, const int32_t* acc, const float* scales, uint8_t* out) {
  const float zo = static_cast<float>(p.output_zero_point);
  const float lo = static_cast<float>(p.range.min);
  const float hi = static_cast<float>(p.range.max);
  for (int32_t c = 0; c < p.out_channels; ++c) {
    // Round half away from zero like TFLite; float scaling makes this +-1 of its fixed point.
    const float real = static_cast<float>(acc[c]) * scales[c];
    const float rounded = real >= 0.0f ? real + 0.5f : real - 0.5f;
    const float q = static_cast<float>(static_cast<int32_t>(rounded)) + zo;
    out[c] = static_cast<uint8_t>(std::min(hi, std::max(lo, q)));
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
        acc_(static_cast<size_t>(num_threads_) * static_cast<size_t>(p_.out_channels)) {}

  void Run(const KernelIo& io) override {
    const uint8_t* input = io.inputs[0];
    uint8_t* output = io.outputs[0];
    const int32_t rows = p_.g.batch * p_.g.out_h;
    const size_t in_image = static_cast<size_t>(p_.g.in_h) * p_.g.in_w * p_.in_channels;
    const size_t out_row = static_cast<size_t>(p_.g.out_w) * p_.out_channels;
#pragma omp parallel for num_threads(num_threads_) schedule(static) if (num_threads_ > 1)
    for (int32_t row = 0; row < rows; ++row) {
      const int32_t n = row / p_.g.out_h;
      const int32_t oy = row % p_.g.out_h;
      int32_t* acc = acc_.data() + static_cast<size_t>(omp_get_thread_num()) * p_.out_channels;
      for (int32_t ox = 0; ox < p_.g.out_w; ++ox) {
        std::memcpy(acc, bias_.data(), bias_.size() * sizeof(int32_t));
        AccumulatePixel(p_, input + n * in_image, weights_.data(), oy, ox, acc);
        Requantize(p_, acc, scales_.data(),
                   output + row * out_row + static_cast<size_t>(ox) * p_.out_channels);
      }
    }
  }

 private:
  DepthwiseParams p_;
  std::vector<int16_t> weights_;
  std::vector<int32_t> bias_;
  std::vector<float> scales_;
  int num_threads_;
  std::vector<int32_t> acc_;  // one row of out_channels per thread
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
  if (bias != nullptr && !bias->is_constant) return std::unique_ptr<Kernel>();
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
  SEGPIPE_ASSIGN_OR_RETURN(
      p.g, ComputeConvGeometry(op.options, input, weights.shape[1], weights.shape[2], output));
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
    if (bias->num_elements() != p.out_channels) return std::unique_ptr<Kernel>();
    std::memcpy(bias_values.data(), bias->data.data(), bias_values.size() * sizeof(int32_t));
  }
  std::vector<float> scales(static_cast<size_t>(p.out_channels),
                            OutputScales(input, weights, output)[0]);
  return std::unique_ptr<Kernel>(std::make_unique<DirectDepthwiseKernel>(
      p, std::move(centred), std::move(bias_values), std::move(scales), options.num_threads));
}

}  // namespace segpipe
