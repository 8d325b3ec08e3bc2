// Reference SOFTMAX, LOGISTIC, TANH, RELU, RELU6 and HARD_SWISH on 8-bit tensors.
//
// An element-wise function of one 8-bit input has only 256 possible inputs, so each is prepared
// as a 256-entry table holding exactly what TFLite computes for that value:
// - LOGISTIC and TANH: TFLite's table of the float function of the dequantized input,
//   round(f(s_in * (q - zp_in)) / s_out) + zp_out, clamped.
// - RELU and RELU6: TFLite's integer rescale zp_out + MultiplyByQuantizedMultiplier(q - zp_in,
//   s_in / s_out), clamped to the activation's quantized range.
// - HARD_SWISH: x * relu6(x + 3) / 6 of the dequantized input, rounded to the output (TFLite's
//   fixed-point evaluation rounds differently in rare cases: +-1).
// SOFTMAX follows TFLite's 8-bit kernel: a float table exp(-s_in * beta * d) for d = max - q,
// summed in float, each probability rounded to the output's quantization.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {
namespace {

// Table indexed by the input's raw byte.
using ByteTable = std::array<uint8_t, 256>;

struct SoftmaxParams {
  std::array<float, 256> exp_table{};  // exp_table[255 - d] = exp(-s_in * beta * d)
  int64_t rows, depth;
  float output_scale;
  int32_t output_zp, qmin, qmax;
  bool is_signed;
};

template <typename T>
void RunSoftmax(const SoftmaxParams& p, const KernelIo& io) {
  const T* input = reinterpret_cast<const T*>(io.inputs[0]);
  T* output = reinterpret_cast<T*>(io.outputs[0]);
  for (int64_t r = 0; r < p.rows; ++r) {
    const T* in = input + r * p.depth;
    T* out = output + r * p.depth;
    int32_t max_value = std::numeric_limits<T>::min();
    for (int64_t j = 0; j < p.depth; ++j) max_value = std::max<int32_t>(max_value, in[j]);
    // Index 255 + (q - max) holds exp(s_in * beta * (q - max)).
    auto exp_of = [&](int32_t q) { return p.exp_table[static_cast<size_t>(255 + q - max_value)]; };
    float sum = 0.0f;
    for (int64_t j = 0; j < p.depth; ++j) sum += exp_of(in[j]);
    const float inverse_sum = 1.0f / (sum * p.output_scale);
    for (int64_t j = 0; j < p.depth; ++j) {
      const int32_t q = static_cast<int32_t>(std::round(exp_of(in[j]) * inverse_sum)) + p.output_zp;
      out[j] = static_cast<T>(std::clamp(q, p.qmin, p.qmax));
    }
  }
}

StatusOr<std::unique_ptr<Kernel>> PrepareSoftmax(const Model& model, int op_index, QuantParams in_q,
                                                 QuantParams out_q) {
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  if (input.shape.empty()) return Malformed(model, op_index, "input must have at least one dimension");
  SoftmaxParams p{};
  p.depth = input.shape.back();
  p.rows = p.depth == 0 ? 0 : input.num_elements() / p.depth;
  p.output_scale = out_q.scale;
  p.output_zp = out_q.zero_point;
  p.qmin = QuantizedMin(output.type);
  p.qmax = QuantizedMax(output.type);
  const float scale = -in_q.scale * model.ops[static_cast<size_t>(op_index)].options.beta;
  for (int32_t d = 0; d <= 255; ++d) p.exp_table[255 - d] = std::exp(scale * static_cast<float>(d));
  auto kernel = std::make_shared<const SoftmaxParams>(p);
  if (input.type == DataType::kInt8) {
    return MakeKernel([kernel](const KernelIo& io) { RunSoftmax<int8_t>(*kernel, io); });
  }
  return MakeKernel([kernel](const KernelIo& io) { RunSoftmax<uint8_t>(*kernel, io); });
}

// The float functions TFLite tabulates for 8-bit LOGISTIC, TANH and (here) HARD_SWISH.
float Logistic(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float Tanh(float x) { return std::tanh(x); }
float HardSwish(float x) { return x * std::min(6.0f, std::max(0.0f, x + 3.0f)) / 6.0f; }

ByteTable FloatFunctionTable(DataType type, QuantParams in_q, QuantParams out_q, float (*f)(float)) {
  ByteTable table{};
  const int32_t qmin = QuantizedMin(type), qmax = QuantizedMax(type);
  const float inverse_scale = 1.0f / out_q.scale;
  for (int32_t q = qmin; q <= qmax; ++q) {
    const float real = in_q.scale * static_cast<float>(q - in_q.zero_point);
    const float rescaled = std::round(f(real) * inverse_scale);
    const int32_t out =
        RoundToClampedInt(rescaled + static_cast<float>(out_q.zero_point), qmin, qmax);
    table[static_cast<uint8_t>(q)] = static_cast<uint8_t>(out);
  }
  return table;
}

ByteTable ReluTable(DataType type, QuantParams in_q, QuantParams out_q, int32_t act_min,
                    int32_t act_max) {
  int32_t multiplier;
  int shift;
  QuantizeMultiplier(static_cast<double>(in_q.scale) / static_cast<double>(out_q.scale),
                     &multiplier, &shift);
  ByteTable table{};
  for (int32_t q = QuantizedMin(type); q <= QuantizedMax(type); ++q) {
    const int64_t out = int64_t{out_q.zero_point} +
                        MultiplyByQuantizedMultiplier(q - in_q.zero_point, multiplier, shift);
    table[static_cast<uint8_t>(q)] =
        static_cast<uint8_t>(std::clamp<int64_t>(out, act_min, act_max));
  }
  return table;
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareActivation(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 1, 1));
  const OpType type = model.ops[static_cast<size_t>(op_index)].type;
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, input, "input"));
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams out_q, PerTensorQuant8(model, op_index, output, "output"));
  if (input.type != output.type || input.num_elements() != output.num_elements()) {
    return Malformed(model, op_index, fmt::format("input {} [{}] and output {} [{}] differ",
                                                  DataTypeName(input.type), fmt::join(input.shape, ", "),
                                                  DataTypeName(output.type), fmt::join(output.shape, ", ")));
  }
  if (type == OpType::kSoftmax) return PrepareSoftmax(model, op_index, in_q, out_q);

  ByteTable table{};
  switch (type) {
    case OpType::kLogistic: table = FloatFunctionTable(output.type, in_q, out_q, Logistic); break;
    case OpType::kTanh: table = FloatFunctionTable(output.type, in_q, out_q, Tanh); break;
    case OpType::kHardSwish: table = FloatFunctionTable(output.type, in_q, out_q, HardSwish); break;
    case OpType::kRelu:
    case OpType::kRelu6: {
      int32_t act_min, act_max;
      SEGPIPE_RETURN_IF_ERROR(QuantizedActivationRange(
          type == OpType::kRelu ? Activation::kRelu : Activation::kRelu6, output.type, out_q.scale,
          out_q.zero_point, &act_min, &act_max));
      table = ReluTable(output.type, in_q, out_q, act_min, act_max);
      break;
    }
    default: return Unsupported(model, op_index, "is not an activation");
  }
  const int64_t n = output.num_elements();
  return MakeKernel([table, n](const KernelIo& io) {
    for (int64_t i = 0; i < n; ++i) io.outputs[0][i] = table[io.inputs[0][i]];
  });
}

}  // namespace segpipe::reference
