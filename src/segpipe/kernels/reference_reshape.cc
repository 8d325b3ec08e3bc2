// Reference data-movement ops: RESHAPE, SQUEEZE, TRANSPOSE, PAD, CONCATENATION, SPLIT.
//
// They move bytes without arithmetic (any element type), except CONCATENATION of 8-bit inputs
// whose quantization differs from the output's, which TFLite rescales in float:
// q_out = round(q_in * s_in / s_out - zp_in * s_in / s_out) + zp_out, clamped.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {
namespace {

constexpr size_t kMaxRank = 6;

StatusOr<std::unique_ptr<Kernel>> PrepareCopy(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 1, 1));
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  if (input.type != output.type || input.num_elements() != output.num_elements()) {
    return Malformed(model, op_index, fmt::format("cannot reshape {} [{}] into {} [{}]",
                                                  DataTypeName(input.type), fmt::join(input.shape, ", "),
                                                  DataTypeName(output.type), fmt::join(output.shape, ", ")));
  }
  if (input.quant != output.quant) {
    return Unsupported(model, op_index, "input and output quantization differ");
  }
  const size_t bytes = static_cast<size_t>(output.num_bytes());
  return MakeKernel([bytes](const KernelIo& io) { std::memcpy(io.outputs[0], io.inputs[0], bytes); });
}

struct TransposeParams {
  size_t rank, element_bytes;
  std::array<int64_t, kMaxRank> out_dims{}, in_strides{};  // in_strides indexed by output dim
};

void RunTranspose(const TransposeParams& p, const KernelIo& io) {
  std::array<int64_t, kMaxRank> index{};
  int64_t total = 1;
  for (size_t d = 0; d < p.rank; ++d) total *= p.out_dims[d];
  int64_t in_offset = 0;
  for (int64_t i = 0; i < total; ++i) {
    std::memcpy(io.outputs[0] + i * p.element_bytes, io.inputs[0] + in_offset * p.element_bytes,
                p.element_bytes);
    for (size_t d = p.rank; d-- > 0;) {
      ++index[d];
      in_offset += p.in_strides[d];
      if (index[d] < p.out_dims[d]) break;
      in_offset -= p.in_strides[d] * index[d];
      index[d] = 0;
    }
  }
}

StatusOr<std::unique_ptr<Kernel>> PrepareTranspose(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, 1));
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int64_t> perm,
                           ReadIndexTensor(model, op_index, InputTensor(model, op_index, 1), "perm"));
  const size_t rank = input.shape.size();
  if (rank > kMaxRank) return Unsupported(model, op_index, fmt::format("rank {} exceeds {}", rank, kMaxRank));
  if (perm.size() != rank || output.shape.size() != rank || input.type != output.type ||
      input.quant != output.quant) {
    return Malformed(model, op_index, "permutation, input and output do not agree");
  }
  std::array<int64_t, kMaxRank> in_strides{};
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    in_strides[d] = stride;
    stride *= input.shape[d];
  }
  TransposeParams p{};
  p.rank = rank;
  p.element_bytes = static_cast<size_t>(DataTypeSize(input.type));
  std::vector<bool> seen(rank, false);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t src = perm[d];
    if (src < 0 || src >= static_cast<int64_t>(rank) || seen[src] ||
        output.shape[d] != input.shape[src]) {
      return Malformed(model, op_index, fmt::format("bad permutation [{}] for input [{}] and output [{}]",
                                                    fmt::join(perm, ", "), fmt::join(input.shape, ", "),
                                                    fmt::join(output.shape, ", ")));
    }
    seen[src] = true;
    p.out_dims[d] = output.shape[d];
    p.in_strides[d] = in_strides[src];
  }
  return MakeKernel([p](const KernelIo& io) { RunTranspose(p, io); });
}

struct PadParams {
  size_t rank, element_bytes;
  std::array<int64_t, kMaxRank> in_dims{}, out_dims{}, before{};
  std::array<uint8_t, 8> pad_value{};  // one element's bytes
  int64_t out_elements;
};

void RunPad(const PadParams& p, const KernelIo& io) {
  uint8_t* out = io.outputs[0];
  for (int64_t i = 0; i < p.out_elements; ++i) {
    std::memcpy(out + i * p.element_bytes, p.pad_value.data(), p.element_bytes);
  }
  // Copy the input row by row (innermost dimension contiguous in both).
  std::array<int64_t, kMaxRank> index{};
  const int64_t row = p.rank == 0 ? 1 : p.in_dims[p.rank - 1];
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < p.rank; ++d) rows *= p.in_dims[d];
  for (int64_t r = 0; r < rows; ++r) {
    int64_t out_offset = 0;
    for (size_t d = 0; d < p.rank; ++d) {
      out_offset = out_offset * p.out_dims[d] + index[d] + p.before[d];
    }
    std::memcpy(out + out_offset * p.element_bytes, io.inputs[0] + r * row * p.element_bytes,
                static_cast<size_t>(row) * p.element_bytes);
    for (size_t d = p.rank - 1; d-- > 0;) {
      if (++index[d] < p.in_dims[d]) break;
      index[d] = 0;
    }
  }
}

StatusOr<std::unique_ptr<Kernel>> PreparePad(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, 1));
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int64_t> pads,
                           ReadIndexTensor(model, op_index, InputTensor(model, op_index, 1), "paddings"));
  const size_t rank = input.shape.size();
  if (rank == 0 || rank > kMaxRank) return Unsupported(model, op_index, fmt::format("rank {} is not supported", rank));
  if (pads.size() != 2 * rank || output.shape.size() != rank || input.type != output.type ||
      input.quant != output.quant) {
    return Malformed(model, op_index, "paddings, input and output do not agree");
  }
  PadParams p{};
  p.rank = rank;
  p.element_bytes = static_cast<size_t>(DataTypeSize(input.type));
  for (size_t d = 0; d < rank; ++d) {
    if (pads[2 * d] < 0 || pads[2 * d + 1] < 0 ||
        output.shape[d] != input.shape[d] + pads[2 * d] + pads[2 * d + 1]) {
      return Malformed(model, op_index, fmt::format("paddings [{}] do not turn [{}] into [{}]",
                                                    fmt::join(pads, ", "), fmt::join(input.shape, ", "),
                                                    fmt::join(output.shape, ", ")));
    }
    p.in_dims[d] = input.shape[d];
    p.out_dims[d] = output.shape[d];
    p.before[d] = pads[2 * d];
  }
  p.out_elements = output.num_elements();
  // Quantized tensors pad with the zero point (the real value 0); others with 0 bytes.
  if (IsQuantized8(output.type) && !output.quant.zero_point.empty()) {
    p.pad_value[0] = static_cast<uint8_t>(output.quant.zero_point[0]);
  }
  if (input.num_elements() == 0) return Unsupported(model, op_index, "empty input");
  return MakeKernel([p](const KernelIo& io) { RunPad(p, io); });
}

// CONCATENATION and SPLIT both view tensors as [outer, axis, inner].
struct ConcatPiece {
  int64_t axis_bytes;  // axis extent * inner * element size
  bool rescale;
  float scale, bias;   // q_out = round(q_in * scale + bias) + output_zp
};

struct ConcatParams {
  int64_t outer;
  int64_t out_axis_bytes;
  bool is_signed;
  int32_t output_zp, qmin, qmax;
  std::vector<ConcatPiece> pieces;
};

void RunConcat(const ConcatParams& p, const KernelIo& io) {
  int64_t piece_offset = 0;
  for (size_t k = 0; k < p.pieces.size(); ++k) {
    const ConcatPiece& piece = p.pieces[k];
    for (int64_t o = 0; o < p.outer; ++o) {
      const uint8_t* src = io.inputs[k] + o * piece.axis_bytes;
      uint8_t* dst = io.outputs[0] + o * p.out_axis_bytes + piece_offset;
      if (!piece.rescale) {
        std::memcpy(dst, src, static_cast<size_t>(piece.axis_bytes));
        continue;
      }
      for (int64_t i = 0; i < piece.axis_bytes; ++i) {
        const int32_t v = RoundToClampedInt(
            Load8(src, i, p.is_signed) * piece.scale + piece.bias + static_cast<float>(p.output_zp),
            p.qmin, p.qmax);
        Store8(dst, i, v);
      }
    }
    piece_offset += piece.axis_bytes;
  }
}

int64_t NormalizeAxis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

StatusOr<std::unique_ptr<Kernel>> PrepareConcat(const Model& model, int op_index) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, op.inputs.size(), 1));
  if (op.inputs.empty()) return Malformed(model, op_index, "has no inputs");
  if (op.options.activation != Activation::kNone) {
    return Unsupported(model, op_index, fmt::format("fused activation {} is not supported",
                                                    ActivationName(op.options.activation)));
  }
  const Tensor& output = OutputTensor(model, op_index, 0);
  const size_t rank = output.shape.size();
  const int64_t axis = NormalizeAxis(op.options.axis, rank);
  if (axis < 0 || axis >= static_cast<int64_t>(rank)) {
    return Malformed(model, op_index, fmt::format("axis {} is out of range for rank {}", op.options.axis, rank));
  }
  ConcatParams p{};
  p.outer = 1;
  for (int64_t d = 0; d < axis; ++d) p.outer *= output.shape[d];
  int64_t inner = DataTypeSize(output.type);
  for (size_t d = static_cast<size_t>(axis) + 1; d < rank; ++d) inner *= output.shape[d];
  p.out_axis_bytes = output.shape[axis] * inner;
  p.is_signed = output.type == DataType::kInt8;
  int64_t axis_sum = 0;
  QuantParams out_q;
  if (IsQuantized8(output.type)) {
    SEGPIPE_ASSIGN_OR_RETURN(out_q, PerTensorQuant8(model, op_index, output, "output"));
    p.output_zp = out_q.zero_point;
    p.qmin = QuantizedMin(output.type);
    p.qmax = QuantizedMax(output.type);
  }
  for (size_t k = 0; k < op.inputs.size(); ++k) {
    const Tensor& in = InputTensor(model, op_index, k);
    bool shape_ok = in.type == output.type && in.shape.size() == rank;
    for (size_t d = 0; shape_ok && d < rank; ++d) {
      if (static_cast<int64_t>(d) != axis && in.shape[d] != output.shape[d]) shape_ok = false;
    }
    if (!shape_ok) {
      return Malformed(model, op_index, fmt::format("input {} {} [{}] does not fit output {} [{}]", k,
                                                    DataTypeName(in.type), fmt::join(in.shape, ", "),
                                                    DataTypeName(output.type), fmt::join(output.shape, ", ")));
    }
    axis_sum += in.shape[axis];
    ConcatPiece piece{in.shape[axis] * inner, false, 1.0f, 0.0f};
    if (IsQuantized8(output.type)) {
      SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, in, "input"));
      if (in_q.scale != out_q.scale || in_q.zero_point != out_q.zero_point) {
        const float inverse_output_scale = 1.0f / out_q.scale;
        piece.rescale = true;
        piece.scale = in_q.scale * inverse_output_scale;
        piece.bias = -static_cast<float>(in_q.zero_point) * piece.scale;
      }
    } else if (in.quant != output.quant) {
      return Unsupported(model, op_index, "inputs and output quantization differ");
    }
    p.pieces.push_back(piece);
  }
  if (axis_sum != output.shape[axis]) {
    return Malformed(model, op_index, fmt::format("inputs add up to {} along axis {}, output has {}",
                                                  axis_sum, axis, output.shape[axis]));
  }
  return MakeKernel([p](const KernelIo& io) { RunConcat(p, io); });
}

struct SplitParams {
  int64_t outer, in_axis_bytes, piece_bytes;
  int num_pieces;
};

StatusOr<std::unique_ptr<Kernel>> PrepareSplit(const Model& model, int op_index) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  if (op.outputs.empty()) return Malformed(model, op_index, "has no outputs");
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, op.outputs.size()));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int64_t> axis_values,
                           ReadIndexTensor(model, op_index, InputTensor(model, op_index, 0), "axis"));
  const Tensor& input = InputTensor(model, op_index, 1);
  const size_t rank = input.shape.size();
  if (axis_values.size() != 1) return Malformed(model, op_index, "axis must be one value");
  const int64_t axis = NormalizeAxis(axis_values[0], rank);
  if (axis < 0 || axis >= static_cast<int64_t>(rank)) {
    return Malformed(model, op_index, fmt::format("axis {} is out of range for rank {}", axis_values[0], rank));
  }
  const int num = static_cast<int>(op.outputs.size());
  if (input.shape[axis] % num != 0) {
    return Malformed(model, op_index, fmt::format("dimension {} of size {} does not split into {}",
                                                  axis, input.shape[axis], num));
  }
  std::vector<int32_t> piece_shape = input.shape;
  piece_shape[axis] /= num;
  for (int k = 0; k < num; ++k) {
    const Tensor& out = OutputTensor(model, op_index, k);
    if (out.shape != piece_shape || out.type != input.type || out.quant != input.quant) {
      return Malformed(model, op_index, fmt::format("output {} [{}] is not a piece [{}] of the input",
                                                    k, fmt::join(out.shape, ", "), fmt::join(piece_shape, ", ")));
    }
  }
  SplitParams p{};
  p.outer = 1;
  for (int64_t d = 0; d < axis; ++d) p.outer *= input.shape[d];
  int64_t inner = DataTypeSize(input.type);
  for (size_t d = static_cast<size_t>(axis) + 1; d < rank; ++d) inner *= input.shape[d];
  p.in_axis_bytes = input.shape[axis] * inner;
  p.piece_bytes = piece_shape[axis] * inner;
  p.num_pieces = num;
  return MakeKernel([p](const KernelIo& io) {
    for (int k = 0; k < p.num_pieces; ++k) {
      for (int64_t o = 0; o < p.outer; ++o) {
        std::memcpy(io.outputs[k] + o * p.piece_bytes, io.inputs[1] + o * p.in_axis_bytes + k * p.piece_bytes,
                    static_cast<size_t>(p.piece_bytes));
      }
    }
  });
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareReshapeLike(const Model& model, int op_index) {
  switch (model.ops[static_cast<size_t>(op_index)].type) {
    case OpType::kReshape:
    case OpType::kSqueeze: return PrepareCopy(model, op_index);
    case OpType::kTranspose: return PrepareTranspose(model, op_index);
    case OpType::kPad: return PreparePad(model, op_index);
    case OpType::kConcatenation: return PrepareConcat(model, op_index);
    case OpType::kSplit: return PrepareSplit(model, op_index);
    default: break;
  }
  return Unsupported(model, op_index, "is not a data-movement op");
}

}  // namespace segpipe::reference
