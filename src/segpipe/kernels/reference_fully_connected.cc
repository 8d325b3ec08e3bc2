// Reference FULLY_CONNECTED: TFLite's integer matrix-vector product.
//
// The input is read as [batches, depth] with depth = weights.shape[1] (TFLite flattens all
// leading dimensions); weights are [units, depth], quantized per tensor (uint8 or int8) or per
// channel along axis 0 (int8). Requantization and activation as in CONV_2D.
#include <algorithm>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {
namespace {

struct FullyConnectedParams {
  int64_t batches, depth, units;
  int32_t input_zp, output_zp, act_min, act_max;
  std::vector<int32_t> weight_zp, bias, multipliers;
  std::vector<int> shifts;
};

template <typename InT, typename WT>
void RunFullyConnected(const FullyConnectedParams& p, const KernelIo& io) {
  const InT* input = reinterpret_cast<const InT*>(io.inputs[0]);
  const WT* weights = reinterpret_cast<const WT*>(io.inputs[1]);
  InT* output = reinterpret_cast<InT*>(io.outputs[0]);
  for (int64_t b = 0; b < p.batches; ++b) {
    for (int64_t u = 0; u < p.units; ++u) {
      const int32_t wzp = p.weight_zp[u];
      const InT* in = input + b * p.depth;
      const WT* w = weights + u * p.depth;
      int64_t acc = 0;
      for (int64_t d = 0; d < p.depth; ++d) {
        acc += (static_cast<int32_t>(in[d]) - p.input_zp) * (static_cast<int32_t>(w[d]) - wzp);
      }
      if (!p.bias.empty()) acc += p.bias[u];
      const int64_t out = int64_t{MultiplyByQuantizedMultiplier(SaturateToInt32(acc), p.multipliers[u], p.shifts[u])} + p.output_zp;
      output[b * p.units + u] = static_cast<InT>(std::clamp<int64_t>(out, p.act_min, p.act_max));
    }
  }
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareFullyConnected(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, 1));
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& weights = InputTensor(model, op_index, 1);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, input, "input"));
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams out_q, PerTensorQuant8(model, op_index, output, "output"));
  if (input.type != output.type) {
    return Unsupported(model, op_index, fmt::format("input type {} differs from output type {}",
                                                    DataTypeName(input.type), DataTypeName(output.type)));
  }
  if (weights.shape.size() != 2) return Malformed(model, op_index, "weights must be 2-D");
  if (!weights.is_constant) return Unsupported(model, op_index, "the weights must be a constant");
  FullyConnectedParams p{};
  p.units = weights.shape[0];
  p.depth = weights.shape[1];
  if (p.depth <= 0 || input.num_elements() % p.depth != 0) {
    return Malformed(model, op_index, fmt::format("input of {} elements is not a multiple of the "
                                                  "weights' depth {}", input.num_elements(), p.depth));
  }
  p.batches = input.num_elements() / p.depth;
  if (output.num_elements() != p.batches * p.units) {
    return Malformed(model, op_index, fmt::format("output has {} elements; expected {} x {}",
                                                  output.num_elements(), p.batches, p.units));
  }
  SEGPIPE_ASSIGN_OR_RETURN(ChannelQuant wq, WeightQuant8(model, op_index, weights, 0, p.units));
  SEGPIPE_ASSIGN_OR_RETURN(p.bias, ReadBias(model, op_index, 2, p.units));
  ChannelMultipliers m = ComputeChannelMultipliers(in_q.scale, wq, out_q.scale);
  p.multipliers = std::move(m.multipliers);
  p.shifts = std::move(m.shifts);
  p.weight_zp = std::move(wq.zero_points);
  p.input_zp = in_q.zero_point;
  p.output_zp = out_q.zero_point;
  Status act = QuantizedActivationRange(op.options.activation, output.type, out_q.scale,
                                        out_q.zero_point, &p.act_min, &p.act_max);
  if (!act.ok()) return Unsupported(model, op_index, act.message());

  const bool in_signed = input.type == DataType::kInt8;
  const bool w_signed = weights.type == DataType::kInt8;
  if (in_signed && w_signed) return MakeKernel([p](const KernelIo& io) { RunFullyConnected<int8_t, int8_t>(p, io); });
  if (in_signed) return MakeKernel([p](const KernelIo& io) { RunFullyConnected<int8_t, uint8_t>(p, io); });
  if (w_signed) return MakeKernel([p](const KernelIo& io) { RunFullyConnected<uint8_t, int8_t>(p, io); });
  return MakeKernel([p](const KernelIo& io) { RunFullyConnected<uint8_t, uint8_t>(p, io); });
}

}  // namespace segpipe::reference
