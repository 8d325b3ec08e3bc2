// Reference ADD, SUB and MUL on 8-bit tensors with NumPy-style broadcasting, as TFLite does them.
//
// ADD/SUB: both inputs are shifted left by 20 bits, rescaled to a common scale
// (twice the larger input scale), added or subtracted, and rescaled to the output.
// MUL: (x1 - zp1) * (x2 - zp2) rescaled by s1 * s2 / s_out. Then the output zero point and the
// fused activation's clamp.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {
namespace {

constexpr size_t kMaxRank = 6;
constexpr int kAddLeftShift = 20;

struct ElementwiseParams {
  OpType type;
  size_t rank = 0;
  std::array<int64_t, kMaxRank> out_dims{}, stride1{}, stride2{};
  int32_t zp1, zp2, output_zp, act_min, act_max;
  int32_t mult1 = 0, mult2 = 0, out_mult = 0;
  int shift1 = 0, shift2 = 0, out_shift = 0;
};

template <typename T>
int32_t Combine(const ElementwiseParams& p, int32_t x1, int32_t x2) {
  int32_t out;
  if (p.type == OpType::kMul) {
    out = MultiplyByQuantizedMultiplier((x1 - p.zp1) * (x2 - p.zp2), p.out_mult, p.out_shift);
  } else {
    const int32_t scaled1 =
        MultiplyByQuantizedMultiplier((x1 - p.zp1) * (1 << kAddLeftShift), p.mult1, p.shift1);
    const int32_t scaled2 =
        MultiplyByQuantizedMultiplier((x2 - p.zp2) * (1 << kAddLeftShift), p.mult2, p.shift2);
    // Saturating: with crafted scales the rescaled operands can sit at the int32 limits.
    const int32_t raw = SaturateToInt32(p.type == OpType::kAdd ? int64_t{scaled1} + scaled2
                                                               : int64_t{scaled1} - scaled2);
    out = MultiplyByQuantizedMultiplier(raw, p.out_mult, p.out_shift);
  }
  return static_cast<int32_t>(
      std::clamp<int64_t>(int64_t{out} + p.output_zp, p.act_min, p.act_max));
}

template <typename T>
void RunElementwise(const ElementwiseParams& p, const KernelIo& io) {
  const T* in1 = reinterpret_cast<const T*>(io.inputs[0]);
  const T* in2 = reinterpret_cast<const T*>(io.inputs[1]);
  T* out = reinterpret_cast<T*>(io.outputs[0]);
  std::array<int64_t, kMaxRank> index{};
  int64_t total = 1;
  for (size_t d = 0; d < p.rank; ++d) total *= p.out_dims[d];
  int64_t off1 = 0, off2 = 0;
  for (int64_t i = 0; i < total; ++i) {
    out[i] = static_cast<T>(Combine<T>(p, in1[off1], in2[off2]));
    // Advance the multi-dimensional index, innermost dimension first.
    for (size_t d = p.rank; d-- > 0;) {
      ++index[d];
      off1 += p.stride1[d];
      off2 += p.stride2[d];
      if (index[d] < p.out_dims[d]) break;
      off1 -= p.stride1[d] * index[d];
      off2 -= p.stride2[d] * index[d];
      index[d] = 0;
    }
  }
}

// Strides of `shape` (extended to `rank`) for reading it broadcast to `out`: 0 along dims of
// size 1.
std::array<int64_t, kMaxRank> BroadcastStrides(const std::vector<int32_t>& shape, size_t rank) {
  const std::vector<int32_t> ext = ExtendShape(shape, rank);
  std::array<int64_t, kMaxRank> strides{};
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    strides[d] = ext[d] == 1 ? 0 : stride;
    stride *= ext[d];
  }
  return strides;
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareElementwise(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, 1));
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  const Tensor& a = InputTensor(model, op_index, 0);
  const Tensor& b = InputTensor(model, op_index, 1);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams qa, PerTensorQuant8(model, op_index, a, "input 0"));
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams qb, PerTensorQuant8(model, op_index, b, "input 1"));
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams qo, PerTensorQuant8(model, op_index, output, "output"));
  if (a.type != output.type || b.type != output.type) {
    return Unsupported(model, op_index, fmt::format("mixed types {}, {} -> {}", DataTypeName(a.type),
                                                    DataTypeName(b.type), DataTypeName(output.type)));
  }
  const size_t rank = std::max({a.shape.size(), b.shape.size(), output.shape.size()});
  if (rank > kMaxRank) {
    return Unsupported(model, op_index, fmt::format("rank {} exceeds {}", rank, kMaxRank));
  }
  ElementwiseParams p{};
  p.type = op.type;
  p.rank = rank;
  const std::vector<int32_t> ea = ExtendShape(a.shape, rank);
  const std::vector<int32_t> eb = ExtendShape(b.shape, rank);
  const std::vector<int32_t> eo = ExtendShape(output.shape, rank);
  for (size_t d = 0; d < rank; ++d) {
    const int32_t want = ea[d] == 1 ? eb[d] : ea[d];
    if ((ea[d] != 1 && eb[d] != 1 && ea[d] != eb[d]) || eo[d] != want) {
      return Malformed(model, op_index, fmt::format("shapes [{}] and [{}] do not broadcast to [{}]",
                                                    fmt::join(a.shape, ", "), fmt::join(b.shape, ", "),
                                                    fmt::join(output.shape, ", ")));
    }
    p.out_dims[d] = eo[d];
  }
  p.stride1 = BroadcastStrides(a.shape, rank);
  p.stride2 = BroadcastStrides(b.shape, rank);
  p.zp1 = qa.zero_point;
  p.zp2 = qb.zero_point;
  p.output_zp = qo.zero_point;
  if (op.type == OpType::kMul) {
    const double real = static_cast<double>(qa.scale) * static_cast<double>(qb.scale) /
                        static_cast<double>(qo.scale);
    QuantizeMultiplier(real, &p.out_mult, &p.out_shift);
  } else {
    const double twice_max_input_scale = 2.0 * static_cast<double>(std::max(qa.scale, qb.scale));
    QuantizeMultiplier(static_cast<double>(qa.scale) / twice_max_input_scale, &p.mult1, &p.shift1);
    QuantizeMultiplier(static_cast<double>(qb.scale) / twice_max_input_scale, &p.mult2, &p.shift2);
    const float shifted_output_scale = static_cast<float>(1 << kAddLeftShift) * qo.scale;
    QuantizeMultiplier(twice_max_input_scale / static_cast<double>(shifted_output_scale),
                       &p.out_mult, &p.out_shift);
  }
  Status act = QuantizedActivationRange(op.options.activation, output.type, qo.scale,
                                        qo.zero_point, &p.act_min, &p.act_max);
  if (!act.ok()) return Unsupported(model, op_index, act.message());
  if (output.type == DataType::kInt8) {
    return MakeKernel([p](const KernelIo& io) { RunElementwise<int8_t>(p, io); });
  }
  return MakeKernel([p](const KernelIo& io) { RunElementwise<uint8_t>(p, io); });
}

}  // namespace segpipe::reference
