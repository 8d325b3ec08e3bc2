// Fast CONV_2D and DEPTHWISE_CONV_2D through oneDNN's convolution primitive (see dnnl_conv.h).
//
// TFLite computes out = clamp(zo + M_c * (sum (x - zx) * (w - zw) + bias_c)). oneDNN computes
// the same sum with a source zero point and s8 weights (the centred weights), adds the s32 bias,
// scales by the per-channel output scale, clips (the fused activation) and adds the output zero
// point. Padding taps contribute nothing in both (oneDNN pads the source with its zero point).
// Only the final rounding differs: float scaling here, fixed-point in TFLite, hence the +-1.
//
// CONV_2D on CPUs without VNNI (see Int8DotProductsAreExact): oneDNN's 16-bit pair sums of
// uint8 x int8 products stay exact when every weight is within [-64, 64] (2 * 255 * 64 <
// 2^15), and its int8-source path would halve the weights. So each centred weight w (within
// [-127, 127] for int8, [-255, 255] for uint8) becomes P = ceil(max |w| / 64) input channels
// whose weights sum to w and stay within [-64, 64], each input channel is read P times, and an
// int8 source is shifted to uint8 (x + 128, zero point + 128): the same int32 sums, exactly,
// for P times the multiply-accumulates (P = 2 for TFLite's int8 weights).
#include "segpipe/kernels/internal/dnnl_conv.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "segpipe/kernels/internal/dnnl_depthwise.h"
#include "segpipe/kernels/internal/dnnl_matmul.h"
#include "segpipe/kernels/internal/dnnl_util.h"

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

// Runs the primitive on the source with every channel read `parts` times, as uint8 (see the
// file comment).
class DuplicatedSourceKernel final : public Kernel {
 public:
  DuplicatedSourceKernel(std::unique_ptr<BoundPrimitive> primitive, int src_slot, int dst_slot,
                         size_t input_bytes, int parts, bool shift_int8)
      : primitive_(std::move(primitive)),
        src_slot_(src_slot),
        dst_slot_(dst_slot),
        parts_(static_cast<size_t>(parts)),
        flip_(shift_int8 ? 0x80 : 0),
        duplicated_(parts_ * input_bytes) {}
  void Run(const KernelIo& io) override {
    const uint8_t* in = io.inputs[0];
    uint8_t* out = duplicated_.data();
    const size_t n = duplicated_.size() / parts_;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t v = in[i] ^ flip_;
      for (size_t j = 0; j < parts_; ++j) out[i * parts_ + j] = v;
    }
    primitive_->SetData(src_slot_, out);
    primitive_->SetData(dst_slot_, io.outputs[0]);
    primitive_->Execute();
  }

 private:
  std::unique_ptr<BoundPrimitive> primitive_;
  int src_slot_;
  int dst_slot_;
  size_t parts_;
  uint8_t flip_;                     // int8 x -> x + 128 is x ^ 0x80
  std::vector<uint8_t> duplicated_;  // [pixels][channels][parts], rewritten each Run
};

// `parts` > 0: spec describes the split weights and multiplied input channels of the no-VNNI
// CONV_2D path (SplitForSaturationFreeSums).
StatusOr<std::unique_ptr<Kernel>> BuildConvKernel(ConvPrimitiveSpec spec, int num_threads,
                                                  int parts = 0) {
  const ConvGeometry& g = spec.geometry;
  const bool duplicated = parts > 0;
  const memory::data_type act = ActivationDataType(spec.input->type);
  const bool shift_int8 = duplicated && spec.input->type == DataType::kInt8;
  if (shift_int8) spec.quant.input_zero_point += 128;
  const memory::desc src({g.batch, spec.in_channels, g.in_h, g.in_w},
                         duplicated ? memory::data_type::u8 : act, memory::format_tag::nhwc);
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
  if (duplicated) {
    return std::unique_ptr<Kernel>(std::make_unique<DuplicatedSourceKernel>(
        std::move(primitive), src_slot, dst_slot, static_cast<size_t>(spec.input->num_bytes()),
        parts, shift_int8));
  }
  return std::unique_ptr<Kernel>(
      std::make_unique<PrimitiveKernel>(std::move(primitive), src_slot, dst_slot));
}

// Fills the parts of the spec both ops share; nullopt-like `false` when not covered.
// `wide_weights`: centred weights may exceed int8 (the caller splits them; spec.weights stays
// empty).
bool FillCommon(const Model& model, const Op& op, const Tensor& weights, ConvPrimitiveSpec& spec,
                bool wide_weights = false) {
  if (op.inputs.size() < 2 || op.outputs.size() != 1 || op.inputs[0] < 0 || op.inputs[1] < 0) {
    return false;
  }
  spec.input = &model.tensor(op.inputs[0]);
  spec.output = &model.tensor(op.outputs[0]);
  spec.bias = op.inputs.size() > 2 && op.inputs[2] >= 0 ? &model.tensor(op.inputs[2]) : nullptr;
  if (spec.bias != nullptr && !BiasFits(*spec.bias, OutputChannels(op, weights))) return false;
  const auto flavour = FlavourOf(*spec.input, weights, *spec.output, spec.bias);
  const auto range = ActivationRange(op.options.activation, *spec.output);
  if (!flavour || !range || (!wide_weights && !WeightsFitInt8(weights))) return false;
  spec.quant.scales = OutputScales(*spec.input, weights, *spec.output);
  spec.quant.scale_mask = spec.quant.scales.size() > 1 ? 1 << 1 : 0;  // oneDNN dst dim 1 = C
  spec.quant.input_zero_point = static_cast<int32_t>(spec.input->quant.zero_point[0]);
  spec.quant.output_zero_point = static_cast<int32_t>(spec.output->quant.zero_point[0]);
  spec.quant.range = *range;
  spec.quant.output_type = spec.output->type;
  if (!wide_weights) spec.weights = CenteredWeights(weights);
  return true;
}

// The weights' [out][kh][kw][in] centred values w as [out][kh][kw][in][parts] values that sum
// to w, each within [-64, 64]; `parts` is set to ceil(max |w| / 64) (at least 1).
std::vector<int8_t> SplitForSaturationFreeSums(const Tensor& weights, int& parts) {
  const int32_t zero_point =
      weights.quant.zero_point.size() == 1 ? static_cast<int32_t>(weights.quant.zero_point[0]) : 0;
  std::vector<int32_t> centred(weights.data.size());
  int32_t max_abs = 0;
  for (size_t i = 0; i < centred.size(); ++i) {
    const int32_t q = weights.type == DataType::kUInt8
                          ? static_cast<int32_t>(weights.data[i])
                          : static_cast<int32_t>(static_cast<int8_t>(weights.data[i]));
    centred[i] = q - zero_point;
    max_abs = std::max(max_abs, std::abs(centred[i]));
  }
  parts = std::max(1, (max_abs + 63) / 64);
  std::vector<int8_t> split(static_cast<size_t>(parts) * centred.size());
  for (size_t i = 0; i < centred.size(); ++i) {
    // w = parts * q + r with |r| < parts: |r| parts get q + sign(r), the others q.
    const int32_t q = centred[i] / parts, r = centred[i] - q * parts;
    for (int j = 0; j < parts; ++j) {
      const int32_t v = q + (j < std::abs(r) ? (r > 0 ? 1 : -1) : 0);
      split[i * static_cast<size_t>(parts) + static_cast<size_t>(j)] = static_cast<int8_t>(v);
    }
  }
  return split;
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareDnnlConv2D(const Model& model, int op_index,
                                                    const KernelOptions& options) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  if (op.inputs.size() < 2 || op.inputs[1] < 0) return std::unique_ptr<Kernel>();
  const Tensor& weights = model.tensor(op.inputs[1]);
  if (weights.shape.size() != 4) return std::unique_ptr<Kernel>();
  ConvPrimitiveSpec spec;
  const bool exact = Int8DotProductsAreExact();
  if (!FillCommon(model, op, weights, spec, /*wide_weights=*/!exact)) {
    if (!exact) return std::unique_ptr<Kernel>();
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
  if (!exact) {
    int parts = 1;
    spec.weights = SplitForSaturationFreeSums(weights, parts);
    spec.in_channels = parts * in_c;
    spec.user_weights = memory::desc({out_c, parts * in_c, kh, kw}, memory::data_type::s8,
                                     memory::format_tag::ohwi);
    spec.any_weights = memory::desc({out_c, parts * in_c, kh, kw}, memory::data_type::s8,
                                    memory::format_tag::any);
    return BuildConvKernel(std::move(spec), options.num_threads, parts);
  }
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
