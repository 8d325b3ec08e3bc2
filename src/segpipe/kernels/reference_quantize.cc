// Reference QUANTIZE and DEQUANTIZE, as TFLite does them.
//
// QUANTIZE float -> 8-bit: round(x / s) + zp, clamped. QUANTIZE 8-bit -> 8-bit (requantize, e.g.
// uint8 model input to int8 inside): zp_out + MultiplyByQuantizedMultiplier(q - zp_in, s_in/s_out),
// clamped. DEQUANTIZE 8-bit -> float: s * (q - zp) computed in double, stored as float.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {

StatusOr<std::unique_ptr<Kernel>> PrepareQuantizeOp(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 1, 1));
  const OpType type = model.ops[static_cast<size_t>(op_index)].type;
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  if (input.num_elements() != output.num_elements()) {
    return Malformed(model, op_index, "input and output sizes differ");
  }
  const int64_t n = output.num_elements();
  if (type == OpType::kDequantize) {
    SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, input, "input"));
    if (output.type != DataType::kFloat32) {
      return Unsupported(model, op_index, fmt::format("output type {} is not supported; expected float32",
                                                      DataTypeName(output.type)));
    }
    const bool is_signed = input.type == DataType::kInt8;
    const double scale = in_q.scale;
    const int32_t zp = in_q.zero_point;
    return MakeKernel([n, is_signed, scale, zp](const KernelIo& io) {
      for (int64_t i = 0; i < n; ++i) {
        const float real = static_cast<float>(scale * (Load8(io.inputs[0], i, is_signed) - zp));
        std::memcpy(io.outputs[0] + 4 * i, &real, 4);
      }
    });
  }

  SEGPIPE_ASSIGN_OR_RETURN(QuantParams out_q, PerTensorQuant8(model, op_index, output, "output"));
  const int32_t qmin = QuantizedMin(output.type), qmax = QuantizedMax(output.type);
  const int32_t out_zp = out_q.zero_point;
  if (input.type == DataType::kFloat32) {
    const float scale = out_q.scale;
    return MakeKernel([n, scale, out_zp, qmin, qmax](const KernelIo& io) {
      for (int64_t i = 0; i < n; ++i) {
        float real;
        std::memcpy(&real, io.inputs[0] + 4 * i, 4);
        // Clamp in float first: the int conversion of an out-of-range float is undefined.
        const float q = std::clamp(std::round(real / scale), -1e9f, 1e9f);
        Store8(io.outputs[0], i, std::clamp(static_cast<int32_t>(q) + out_zp, qmin, qmax));
      }
    });
  }
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, input, "input"));
  int32_t multiplier;
  int shift;
  QuantizeMultiplier(static_cast<double>(in_q.scale) / static_cast<double>(out_q.scale), &multiplier,
                     &shift);
  const bool in_signed = input.type == DataType::kInt8;
  const int32_t in_zp = in_q.zero_point;
  return MakeKernel([=](const KernelIo& io) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t q = int64_t{out_zp} + MultiplyByQuantizedMultiplier(
                                              Load8(io.inputs[0], i, in_signed) - in_zp, multiplier, shift);
      Store8(io.outputs[0], i, static_cast<int32_t>(std::clamp<int64_t>(q, qmin, qmax)));
    }
  });
}

}  // namespace segpipe::reference
