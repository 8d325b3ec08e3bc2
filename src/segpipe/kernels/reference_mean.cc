// Reference MEAN of an 8-bit tensor over constant axes, as TFLite's quantized mean does it:
// the integer sum per output is divided by the element count in float and rescaled,
// round(mean * s_in / s_out - zp_in * s_in / s_out) + zp_out, clamped.
#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {
namespace {

constexpr size_t kMaxRank = 6;

struct MeanParams {
  size_t rank;
  std::array<int64_t, kMaxRank> in_dims{}, out_strides{};  // out_strides: 0 along reduced axes
  int64_t in_elements, out_elements, count;
  float scale, bias;
  int32_t output_zp, qmin, qmax;
  bool is_signed;
};

// Sums go into a per-kernel buffer sized in Prepare, so Run does not allocate.
struct MeanKernel final : Kernel {
  MeanParams p;
  std::vector<int32_t> sums;

  void Run(const KernelIo& io) override {
    std::fill(sums.begin(), sums.end(), 0);
    std::array<int64_t, kMaxRank> index{};
    int64_t out_offset = 0;
    for (int64_t i = 0; i < p.in_elements; ++i) {
      sums[static_cast<size_t>(out_offset)] += Load8(io.inputs[0], i, p.is_signed);
      for (size_t d = p.rank; d-- > 0;) {
        ++index[d];
        out_offset += p.out_strides[d];
        if (index[d] < p.in_dims[d]) break;
        out_offset -= p.out_strides[d] * index[d];
        index[d] = 0;
      }
    }
    for (int64_t o = 0; o < p.out_elements; ++o) {
      const float mean = static_cast<float>(sums[static_cast<size_t>(o)]) / static_cast<float>(p.count);
      const float q = std::min(std::max(std::round(mean * p.scale + p.bias) + static_cast<float>(p.output_zp),
                                        static_cast<float>(p.qmin)),
                               static_cast<float>(p.qmax));
      Store8(io.outputs[0], o, static_cast<int32_t>(q));
    }
  }
};

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareMean(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, 1));
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, input, "input"));
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams out_q, PerTensorQuant8(model, op_index, output, "output"));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int64_t> axes,
                           ReadIndexTensor(model, op_index, InputTensor(model, op_index, 1), "axis"));
  if (input.type != output.type) return Unsupported(model, op_index, "input and output types differ");
  const size_t rank = input.shape.size();
  if (rank > kMaxRank) return Unsupported(model, op_index, fmt::format("rank {} exceeds {}", rank, kMaxRank));
  std::array<bool, kMaxRank> reduced{};
  for (int64_t a : axes) {
    const int64_t axis = a < 0 ? a + static_cast<int64_t>(rank) : a;
    if (axis < 0 || axis >= static_cast<int64_t>(rank)) {
      return Malformed(model, op_index, fmt::format("axis {} is out of range for rank {}", a, rank));
    }
    reduced[static_cast<size_t>(axis)] = true;
  }
  auto kernel = std::make_unique<MeanKernel>();
  MeanParams& p = kernel->p;
  p.rank = rank;
  p.count = 1;
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    p.in_dims[d] = input.shape[d];
    if (reduced[d]) {
      p.count *= input.shape[d];
      p.out_strides[d] = 0;
    } else {
      p.out_strides[d] = stride;
      stride *= input.shape[d];
    }
  }
  p.out_elements = stride;
  if (output.num_elements() != p.out_elements || p.count == 0) {
    return Malformed(model, op_index, fmt::format("output [{}] does not match reducing [{}] over [{}]",
                                                  fmt::join(output.shape, ", "), fmt::join(input.shape, ", "),
                                                  fmt::join(axes, ", ")));
  }
  p.in_elements = input.num_elements();
  p.scale = in_q.scale / out_q.scale;
  p.bias = -static_cast<float>(in_q.zero_point) * p.scale;
  p.output_zp = out_q.zero_point;
  p.qmin = QuantizedMin(output.type);
  p.qmax = QuantizedMax(output.type);
  p.is_signed = input.type == DataType::kInt8;
  kernel->sums.assign(static_cast<size_t>(p.out_elements), 0);
  return std::unique_ptr<Kernel>(std::move(kernel));
}

}  // namespace segpipe::reference
