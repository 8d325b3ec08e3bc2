// Reference CONV_2D: TFLite's integer convolution (uint8 per-tensor and int8 per-channel).
//
// acc = bias[oc] + sum over the receptive field of (input - input_zp) * (filter - filter_zp[oc]);
// output = clamp(MultiplyByQuantizedMultiplier(acc, m[oc], shift[oc]) + output_zp), with the clamp
// range of the fused activation. Padding positions contribute nothing (they are the zero point).
#include <algorithm>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {
namespace {

struct ConvParams {
  int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, filter_h, filter_w;
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  int32_t input_zp, output_zp, act_min, act_max;
  std::vector<int32_t> filter_zp, bias, multipliers;
  std::vector<int> shifts;
};

template <typename InT, typename WT>
void RunConv(const ConvParams& p, const KernelIo& io) {
  const InT* input = reinterpret_cast<const InT*>(io.inputs[0]);
  const WT* filter = reinterpret_cast<const WT*>(io.inputs[1]);
  InT* output = reinterpret_cast<InT*>(io.outputs[0]);
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t oy = 0; oy < p.out_h; ++oy) {
      for (int32_t ox = 0; ox < p.out_w; ++ox) {
        for (int32_t oc = 0; oc < p.out_c; ++oc) {
          const int32_t wzp = p.filter_zp[oc];
          int64_t acc = 0;
          for (int32_t ky = 0; ky < p.filter_h; ++ky) {
            const int32_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int32_t kx = 0; kx < p.filter_w; ++kx) {
              const int32_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (ix < 0 || ix >= p.in_w) continue;
              const InT* in = input + ((static_cast<int64_t>(b) * p.in_h + iy) * p.in_w + ix) * p.in_c;
              const WT* w = filter + ((static_cast<int64_t>(oc) * p.filter_h + ky) * p.filter_w + kx) * p.in_c;
              for (int32_t ic = 0; ic < p.in_c; ++ic) {
                acc += (static_cast<int32_t>(in[ic]) - p.input_zp) * (static_cast<int32_t>(w[ic]) - wzp);
              }
            }
          }
          if (!p.bias.empty()) acc += p.bias[oc];
          const int64_t out = int64_t{MultiplyByQuantizedMultiplier(SaturateToInt32(acc), p.multipliers[oc], p.shifts[oc])} + p.output_zp;
          output[((static_cast<int64_t>(b) * p.out_h + oy) * p.out_w + ox) * p.out_c + oc] =
              static_cast<InT>(std::clamp<int64_t>(out, p.act_min, p.act_max));
        }
      }
    }
  }
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareConv(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, 1));
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& filter = InputTensor(model, op_index, 1);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, input, "input"));
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams out_q, PerTensorQuant8(model, op_index, output, "output"));
  if (input.type != output.type) {
    return Unsupported(model, op_index, fmt::format("input type {} differs from output type {}",
                                                    DataTypeName(input.type), DataTypeName(output.type)));
  }
  if (input.shape.size() != 4 || filter.shape.size() != 4 || output.shape.size() != 4) {
    return Malformed(model, op_index, "input, filter and output must be 4-D");
  }
  if (!filter.is_constant) return Unsupported(model, op_index, "the filter must be a constant");
  ConvParams p{};
  p.batches = input.shape[0];
  p.in_h = input.shape[1];
  p.in_w = input.shape[2];
  p.in_c = input.shape[3];
  p.out_c = filter.shape[0];
  p.filter_h = filter.shape[1];
  p.filter_w = filter.shape[2];
  if (filter.shape[3] != p.in_c) {
    return Unsupported(model, op_index, fmt::format("filter depth {} differs from input depth {} "
                                                    "(grouped convolution)", filter.shape[3], p.in_c));
  }
  const OpOptions& o = op.options;
  if (o.stride_h < 1 || o.stride_w < 1 || o.dilation_h < 1 || o.dilation_w < 1) {
    return Malformed(model, op_index, "strides and dilations must be positive");
  }
  SEGPIPE_RETURN_IF_ERROR(CheckWindow(model, op_index, {p.in_h, p.in_w, p.filter_h, p.filter_w,
                                                         o.stride_h, o.stride_w, o.dilation_h,
                                                         o.dilation_w}));
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  p.dilation_h = o.dilation_h;
  p.dilation_w = o.dilation_w;
  p.out_h = ConvOutputSize(o.padding, p.in_h, p.filter_h, p.stride_h, p.dilation_h);
  p.out_w = ConvOutputSize(o.padding, p.in_w, p.filter_w, p.stride_w, p.dilation_w);
  if (output.shape != std::vector<int32_t>{p.batches, p.out_h, p.out_w, p.out_c}) {
    return Malformed(model, op_index, fmt::format("output shape [{}] does not match the "
                                                  "convolution's [{}, {}, {}, {}]",
                                                  fmt::join(output.shape, ", "), p.batches,
                                                  p.out_h, p.out_w, p.out_c));
  }
  p.pad_top = ConvPadBefore(p.in_h, p.filter_h, p.stride_h, p.dilation_h, p.out_h);
  p.pad_left = ConvPadBefore(p.in_w, p.filter_w, p.stride_w, p.dilation_w, p.out_w);
  SEGPIPE_ASSIGN_OR_RETURN(ChannelQuant wq, WeightQuant8(model, op_index, filter, 0, p.out_c));
  SEGPIPE_ASSIGN_OR_RETURN(p.bias, ReadBias(model, op_index, 2, p.out_c));
  ChannelMultipliers m = ComputeChannelMultipliers(in_q.scale, wq, out_q.scale);
  p.multipliers = std::move(m.multipliers);
  p.shifts = std::move(m.shifts);
  p.filter_zp = std::move(wq.zero_points);
  p.input_zp = in_q.zero_point;
  p.output_zp = out_q.zero_point;
  Status act = QuantizedActivationRange(o.activation, output.type, out_q.scale, out_q.zero_point,
                                        &p.act_min, &p.act_max);
  if (!act.ok()) return Unsupported(model, op_index, act.message());

  const bool in_signed = input.type == DataType::kInt8;
  const bool w_signed = filter.type == DataType::kInt8;
  if (in_signed && w_signed) return MakeKernel([p](const KernelIo& io) { RunConv<int8_t, int8_t>(p, io); });
  if (in_signed) return MakeKernel([p](const KernelIo& io) { RunConv<int8_t, uint8_t>(p, io); });
  if (w_signed) return MakeKernel([p](const KernelIo& io) { RunConv<uint8_t, int8_t>(p, io); });
  return MakeKernel([p](const KernelIo& io) { RunConv<uint8_t, uint8_t>(p, io); });
}

}  // namespace segpipe::reference
