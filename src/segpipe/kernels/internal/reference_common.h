// Helpers shared by the reference kernels: op-aware error messages, checks of tensor types,
// shapes and quantization made in Prepare, and 8-bit element access.
//
// Internal to the kernels layer. Every Prepare* function below returns an error that names the
// op index, the op name and the offending type or option, so a user sees at load time which part
// of the model is not supported.
#ifndef SEGPIPE_KERNELS_INTERNAL_REFERENCE_COMMON_H_
#define SEGPIPE_KERNELS_INTERNAL_REFERENCE_COMMON_H_

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/model/model.h"

namespace segpipe::reference {

// "op 3 (CONV_2D)", or with the custom code / builtin code for ops we do not map.
std::string OpLabel(const Model& model, int op_index);

// UnimplementedError("op 3 (CONV_2D): <what>").
Status Unsupported(const Model& model, int op_index, std::string_view what);
// InvalidArgumentError("op 3 (CONV_2D): <what>"): the model itself is inconsistent.
Status Malformed(const Model& model, int op_index, std::string_view what);

// Unsupported unless both spatial windows pass WindowFitsInt32 (kernel.h); the message gives the
// op's extents so that a user sees which value is out of range.
struct Window {
  int32_t in_h, in_w, filter_h, filter_w, stride_h, stride_w, dilation_h, dilation_w;
};
Status CheckWindow(const Model& model, int op_index, const Window& w);

// Per-tensor quantization parameters of an 8-bit tensor.
struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

bool IsQuantized8(DataType type);  // int8 or uint8

// Checks that op `op_index` has at least `min_inputs`/exactly `num_outputs` tensors present
// (required inputs not -1).
Status CheckArity(const Model& model, int op_index, size_t min_inputs, size_t num_outputs);

// The tensor at input/output position `pos` of the op.
const Tensor& InputTensor(const Model& model, int op_index, size_t pos);
const Tensor& OutputTensor(const Model& model, int op_index, size_t pos);

// Type must be int8 or uint8 with per-tensor quantization (one scale, one zero point).
StatusOr<QuantParams> PerTensorQuant8(const Model& model, int op_index, const Tensor& tensor,
                                      std::string_view role);

// All dims as int64 product; dims of `shape` padded at the front with 1s to `rank`.
std::vector<int32_t> ExtendShape(const std::vector<int32_t>& shape, size_t rank);

// Reads an int32 or int64 constant tensor (shapes, axes, paddings) as int64 values.
StatusOr<std::vector<int64_t>> ReadIndexTensor(const Model& model, int op_index,
                                               const Tensor& tensor, std::string_view role);

// Quantization of a weight tensor with `channels` output channels along `axis`: per-tensor
// parameters are repeated per channel. Per-channel quantization must be along `axis`.
struct ChannelQuant {
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
};
StatusOr<ChannelQuant> WeightQuant8(const Model& model, int op_index, const Tensor& weights,
                                    int32_t axis, int64_t channels);

// Per-channel requantization of an int32 accumulator: input_scale * weight_scale[c] /
// output_scale as TFLite computes it (in double), as multiplier + shift.
struct ChannelMultipliers {
  std::vector<int32_t> multipliers;
  std::vector<int> shifts;
};
ChannelMultipliers ComputeChannelMultipliers(float input_scale, const ChannelQuant& weights,
                                             float output_scale);

// Optional int32 bias of `channels` entries (empty vector when absent).
StatusOr<std::vector<int32_t>> ReadBias(const Model& model, int op_index, size_t input_pos,
                                        int64_t channels);

// Spatial geometry of convolutions and pools, as TFLite computes it: output size for SAME/VALID
// and the padding before the first row/column (the odd extra pad goes after the last).
// Accumulators of conv, depthwise and fully connected are summed in int64 and saturated to
// int32 before requantization: identical to TFLite's int32 sums whenever those do not overflow,
// and defined (instead of signed overflow) for crafted weights, biases or huge receptive fields.
inline int32_t SaturateToInt32(int64_t v) {
  return static_cast<int32_t>(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v);
}

inline int32_t EffectiveFilterSize(int32_t filter, int32_t dilation) {
  return (filter - 1) * dilation + 1;
}
inline int32_t ConvOutputSize(Padding padding, int32_t in, int32_t filter, int32_t stride,
                              int32_t dilation) {
  const int32_t eff = EffectiveFilterSize(filter, dilation);
  return padding == Padding::kSame ? (in + stride - 1) / stride : (in - eff + stride) / stride;
}
inline int32_t ConvPadBefore(int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                             int32_t out) {
  const int32_t total = (out - 1) * stride + EffectiveFilterSize(filter, dilation) - in;
  return total > 0 ? total / 2 : 0;
}

// Elements of 8-bit tensors as int32 values, so one kernel body serves int8 and uint8.
inline int32_t Load8(const uint8_t* data, int64_t i, bool is_signed) {
  return is_signed ? static_cast<int32_t>(static_cast<int8_t>(data[i]))
                   : static_cast<int32_t>(data[i]);
}
inline void Store8(uint8_t* data, int64_t i, int32_t value) {
  data[i] = static_cast<uint8_t>(value);  // two's complement keeps int8 values intact
}

// A kernel whose Run is a callable built in Prepare (captures precomputed parameters by value).
class FunctionKernel final : public Kernel {
 public:
  explicit FunctionKernel(std::function<void(const KernelIo&)> run) : run_(std::move(run)) {}
  void Run(const KernelIo& io) override { run_(io); }

 private:
  std::function<void(const KernelIo&)> run_;
};

inline std::unique_ptr<Kernel> MakeKernel(std::function<void(const KernelIo&)> run) {
  return std::make_unique<FunctionKernel>(std::move(run));
}

// Per-op-family Prepare functions; PrepareReferenceKernel dispatches on OpType.
StatusOr<std::unique_ptr<Kernel>> PrepareConv(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareDepthwiseConv(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareFullyConnected(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareElementwise(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PreparePool(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareReshapeLike(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareActivation(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareQuantizeOp(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareMean(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareResizeBilinear(const Model& model, int op_index);
StatusOr<std::unique_ptr<Kernel>> PrepareArgMax(const Model& model, int op_index);

}  // namespace segpipe::reference

#endif  // SEGPIPE_KERNELS_INTERNAL_REFERENCE_COMMON_H_
