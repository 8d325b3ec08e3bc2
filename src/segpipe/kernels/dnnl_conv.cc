// Fast CONV_2D and DEPTHWISE_CONV_2D through oneDNN's convolution primitive (see dnnl_conv.h).
//
// TFLite computes out = clamp(zo + M_c * (sum (x - zx) * (w - zw) + bias_c)). oneDNN computes
// the same sum with a source zero point and s8 weights (the centred weights), adds the s32 bias,
// scales by the per-channel output scale, clips (the fused activation) and adds the output zero
// point. Padding taps contribute nothing in both (oneDNN pads the source with its zero point).
// Only the final rounding differs: float scaling here, fixed-point in TFLite, hence the +-1.
#include "segpipe/kernels/dnnl_conv.h"

#include <string>
#include <utility>
#include <vector>

#include "segpipe/kernels/dnnl_depthwise.h"
#include "segpipe/kernels/dnnl_matmul.h"
#include "segpipe/kernels/dnnl_util.h"

namespace segpipe {
namespace {

using dnnl::memory;
using namespace dnnl_kernels;  // NOLINT: the helpers of this family of files

// What differs between a plain and a depthwise convolution once both are written as a oneDNN
// (grouped) convolution.
struct ConvPrimitiveSpec {
  const Tensor* input = nullptr;
  const Tensor* output = nullptr;
  const Tensor* bias = nullptr;  // nullptr when absent
  ConvGeometry geometry;
  int32_t in_channels = 0;
  int32_t out_channels = 0;
  memory::desc user_weights;     // layout of `weights` as TFLite stores them
  memory::desc any_weights;      // same dims, layout left to oneDNN
  std::vector<int8_t> weights;   // centred (w - zw) int8
  QuantizedAttrSpec quant;
};

StatusOr<std::unique_ptr<Kernel>> BuildConvKernel(ConvPrimitiveSpec spec, int num_threads) {
  const ConvGeometry& g = spec.geometry;
  const memory::data_type act = ActivationDataType(spec.input->type);
  const memory::desc src({g.batch, spec.in_channels, g.in_h, g.in_w}, act, memory::format_tag::nhwc);
  const memory::desc dst({g.batch, spec.out_channels, g.out_h, g.out_w}, act,
                         memory::format_tag::nhwc);
  const memory::desc bias({spec.out_channels}, memory::data_type::s32, memory::format_tag::x);
  const memory::dims strides = {g.stride_h, g.stride_w};
  const memory::dims dilates = {g.dilation_h - 1, g.dilation_w - 1};
  const memory::dims pad_l = {g.pad_top, g.pad_left};
  const memory::dims pad_r = {g.pad_bottom, g.pad_right};

  std::unique_ptr<BoundPrimitive> primitive;
  int src_slot = -1;
  int dst_slot = -1;
  UseThreads(num_threads);
  Status status = CatchDnnl("convolution", [&] {
    const auto desc =
        spec.bias != nullptr
            ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                              dnnl::algorithm::convolution_direct, src,
                                              spec.any_weights, bias, dst, strides, dilates,
                                              pad_l, pad_r)
            : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                              dnnl::algorithm::convolution_direct, src,
                                              spec.any_weights, dst, strides, dilates, pad_l,
                                              pad_r);
    const dnnl::convolution_forward::primitive_desc pd(desc, QuantizedAttr(spec.quant),
                                                        CpuEngine());
    primitive = std::make_unique<BoundPrimitive>(dnnl::convolution_forward(pd), pd, num_threads);
    primitive->BindMemory(DNNL_ARG_WEIGHTS, ReorderWeights(spec.user_weights, spec.weights.data(),
                                                           pd.weights_desc()));
    if (spec.bias != nullptr) {
      // The model outlives the kernel (Kernel contract), so bind its bias in place.
      primitive->Bind(DNNL_ARG_BIAS, bias, const_cast<uint8_t*>(spec.bias->data.data()));
    }
    src_slot = primitive->Bind(DNNL_ARG_SRC, src, nullptr);
    dst_slot = primitive->Bind(DNNL_ARG_DST, dst, nullptr);
    BindZeroPoints(spec.quant, 0, *primitive);
  });
  // No oneDNN implementation for this configuration: the reference kernel runs it.
  if (!status.ok()) return std::unique_ptr<Kernel>();
  return std::unique_ptr<Kernel>(
      std::make_unique<PrimitiveKernel>(std::move(primitive), src_slot, dst_slot));
}

// Fills the parts of the spec both ops share; nullopt-like `false` when not covered.
bool FillCommon(const Model& model, const Op& op, const Tensor& weights, ConvPrimitiveSpec& spec) {
  if (op.inputs.size() < 2 || op.outputs.size() != 1 || op.inputs[0] < 0 || op.inputs[1] < 0) {
    return false;
  }
  spec.input = &model.tensor(op.inputs[0]);
  spec.output = &model.tensor(op.outputs[0]);
  spec.bias = op.inputs.size() > 2 && op.inputs[2] >= 0 ? &model.tensor(op.inputs[2]) : nullptr;
  if (spec.bias != nullptr && !BiasFits(*spec.bias, OutputChannels(op, weights))) return false;
  const auto flavour = FlavourOf(*spec.input, weights, *spec.output, spec.bias);
  const auto range = ActivationRange(op.options.activation, *spec.output);
  if (!flavour || !range || !WeightsFitInt8(weights)) return false;
  spec.quant.scales = OutputScales(*spec.input, weights, *spec.output);
  spec.quant.scale_mask = spec.quant.scales.size() > 1 ? 1 << 1 : 0;  // oneDNN dst dim 1 = C
  spec.quant.input_zero_point = static_cast<int32_t>(spec.input->quant.zero_point[0]);
  spec.quant.output_zero_point = static_cast<int32_t>(spec.output->quant.zero_point[0]);
  spec.quant.range = *range;
  spec.quant.output_type = spec.output->type;
  spec.weights = CenteredWeights(weights);
  return true;
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareDnnlConv2D(const Model& model, int op_index,
                                                    const KernelOptions& options) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  if (op.inputs.size() < 2 || op.inputs[1] < 0) return std::unique_ptr<Kernel>();
  const Tensor& weights = model.tensor(op.inputs[1]);
  if (weights.shape.size() != 4) return std::unique_ptr<Kernel>();
  ConvPrimitiveSpec spec;
  if (!FillCommon(model, op, weights, spec)) {
    return PrepareDnnlMatmulConv2D(model, op_index, options);
  }
  const int32_t out_c = weights.shape[0], kh = weights.shape[1], kw = weights.shape[2],
                in_c = weights.shape[3];
  if (spec.input->shape.size() != 4 || spec.input->shape[3] != in_c ||
      spec.output->shape.size() != 4 || spec.output->shape[3] != out_c ||
      (spec.quant.scales.size() != 1 && static_cast<int32_t>(spec.quant.scales.size()) != out_c)) {
    return std::unique_ptr<Kernel>();
  }
  // Inconsistent shapes are left to the reference kernel, which reports them.
  auto geometry = ComputeConvGeometry(op.options, *spec.input, kh, kw, *spec.output);
  if (!geometry.ok()) return std::unique_ptr<Kernel>();
  spec.geometry = *geometry;
  spec.in_channels = in_c;
  spec.out_channels = out_c;
  spec.user_weights = memory::desc({out_c, in_c, kh, kw}, memory::data_type::s8,
                                   memory::format_tag::ohwi);
  spec.any_weights = memory::desc({out_c, in_c, kh, kw}, memory::data_type::s8,
                                  memory::format_tag::any);
  return BuildConvKernel(std::move(spec), options.num_threads);
}

StatusOr<std::unique_ptr<Kernel>> PrepareDnnlDepthwiseConv2D(const Model& model, int op_index,
                                                             const KernelOptions& options) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  if (op.inputs.size() < 2 || op.inputs[1] < 0) return std::unique_ptr<Kernel>();
  const Tensor& weights = model.tensor(op.inputs[1]);
  if (weights.shape.size() != 4 || weights.shape[0] != 1) return std::unique_ptr<Kernel>();
  ConvPrimitiveSpec spec;
  if (!FillCommon(model, op, weights, spec)) {
    return PrepareDirectDepthwiseConv2D(model, op_index, options);
  }
  const int32_t kh = weights.shape[1], kw = weights.shape[2], out_c = weights.shape[3];
  if (spec.input->shape.size() != 4 || spec.output->shape.size() != 4 ||
      spec.output->shape[3] != out_c || spec.input->shape[3] < 1 ||
      (spec.quant.scales.size() != 1 && static_cast<int32_t>(spec.quant.scales.size()) != out_c)) {
    return std::unique_ptr<Kernel>();
  }
  const int32_t in_c = spec.input->shape[3];
  // The weights' channel count decides the multiplier (TFLite checks it against the option).
  if (out_c % in_c != 0) return std::unique_ptr<Kernel>();
  const int32_t multiplier = out_c / in_c;
  auto geometry = ComputeConvGeometry(op.options, *spec.input, kh, kw, *spec.output);
  if (!geometry.ok()) return std::unique_ptr<Kernel>();
  spec.geometry = *geometry;
  spec.in_channels = in_c;
  spec.out_channels = out_c;
  // TFLite's [1, KH, KW, C*m] as oneDNN's grouped [G=C, m, 1, KH, KW]: output channel g*m + j.
  const memory::dims dims = {in_c, multiplier, 1, kh, kw};
  spec.user_weights = memory::desc(dims, memory::data_type::s8,
                                   memory::dims{multiplier, 1, 1, kw * out_c, out_c});
  spec.any_weights = memory::desc(dims, memory::data_type::s8, memory::format_tag::any);
  return BuildConvKernel(std::move(spec), options.num_threads);
}

}  // namespace segpipe
