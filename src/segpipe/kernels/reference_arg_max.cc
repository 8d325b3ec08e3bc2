// Reference ARG_MAX over one constant axis of an 8-bit tensor: the first index of the largest
// value (quantization with a positive scale preserves order), written as int32 or int64.
#include <cstring>

#include <fmt/format.h>

#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {

StatusOr<std::unique_ptr<Kernel>> PrepareArgMax(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, 1));
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_RETURN_IF_ERROR(PerTensorQuant8(model, op_index, input, "input").status());
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int64_t> axis_values,
                           ReadIndexTensor(model, op_index, InputTensor(model, op_index, 1), "axis"));
  if (output.type != DataType::kInt32 && output.type != DataType::kInt64) {
    return Unsupported(model, op_index, fmt::format("output type {} is not supported; expected int32 or int64",
                                                    DataTypeName(output.type)));
  }
  const int64_t rank = static_cast<int64_t>(input.shape.size());
  if (axis_values.size() != 1) return Malformed(model, op_index, "axis must be one value");
  const int64_t axis = axis_values[0] < 0 ? axis_values[0] + rank : axis_values[0];
  if (axis < 0 || axis >= rank) {
    return Malformed(model, op_index, fmt::format("axis {} is out of range for rank {}", axis_values[0], rank));
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= input.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= input.shape[d];
  const int64_t extent = input.shape[axis];
  if (output.num_elements() != outer * inner || extent <= 0) {
    return Malformed(model, op_index, fmt::format("output [{}] does not match input [{}] without axis {}",
                                                  fmt::join(output.shape, ", "), fmt::join(input.shape, ", "), axis));
  }
  const bool is_signed = input.type == DataType::kInt8;
  const bool out64 = output.type == DataType::kInt64;
  return MakeKernel([=](const KernelIo& io) {
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * extent * inner + i;
        int32_t best = Load8(io.inputs[0], base, is_signed);
        int64_t best_index = 0;
        for (int64_t k = 1; k < extent; ++k) {
          const int32_t v = Load8(io.inputs[0], base + k * inner, is_signed);
          if (v > best) {
            best = v;
            best_index = k;
          }
        }
        const int64_t out_index = o * inner + i;
        if (out64) {
          std::memcpy(io.outputs[0] + 8 * out_index, &best_index, 8);
        } else {
          const int32_t narrow = static_cast<int32_t>(best_index);
          std::memcpy(io.outputs[0] + 4 * out_index, &narrow, 4);
        }
      }
    }
  });
}

}  // namespace segpipe::reference
