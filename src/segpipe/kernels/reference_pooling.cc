// Reference AVERAGE_POOL_2D and MAX_POOL_2D on 8-bit tensors, as TFLite does them.
//
// The window is clipped to the input (padding positions are not counted); the average rounds
// half away from zero; the result is clamped to the fused activation's range. Input and output
// share quantization parameters (TFLite requires it), so no rescaling happens.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "segpipe/kernels/internal/quantization_util.h"
#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {
namespace {

struct PoolParams {
  bool average;
  int32_t batches, in_h, in_w, channels, out_h, out_w, filter_h, filter_w;
  int32_t stride_h, stride_w, pad_top, pad_left, act_min, act_max;
};

template <typename T>
void RunPool(const PoolParams& p, const KernelIo& io) {
  const T* input = reinterpret_cast<const T*>(io.inputs[0]);
  T* output = reinterpret_cast<T*>(io.outputs[0]);
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t oy = 0; oy < p.out_h; ++oy) {
      const int32_t y0 = oy * p.stride_h - p.pad_top;
      const int32_t y_begin = std::max(0, y0), y_end = std::min(p.in_h, y0 + p.filter_h);
      for (int32_t ox = 0; ox < p.out_w; ++ox) {
        const int32_t x0 = ox * p.stride_w - p.pad_left;
        const int32_t x_begin = std::max(0, x0), x_end = std::min(p.in_w, x0 + p.filter_w);
        const int32_t count = (y_end - y_begin) * (x_end - x_begin);
        for (int32_t c = 0; c < p.channels; ++c) {
          int32_t acc = p.average ? 0 : std::numeric_limits<T>::min();
          for (int32_t y = y_begin; y < y_end; ++y) {
            for (int32_t x = x_begin; x < x_end; ++x) {
              const int32_t v = input[((static_cast<int64_t>(b) * p.in_h + y) * p.in_w + x) * p.channels + c];
              acc = p.average ? acc + v : std::max(acc, v);
            }
          }
          if (p.average && count > 0) {
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          output[((static_cast<int64_t>(b) * p.out_h + oy) * p.out_w + ox) * p.channels + c] =
              static_cast<T>(std::clamp(acc, p.act_min, p.act_max));
        }
      }
    }
  }
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PreparePool(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 1, 1));
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, input, "input"));
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams out_q, PerTensorQuant8(model, op_index, output, "output"));
  if (input.type != output.type || in_q.scale != out_q.scale ||
      in_q.zero_point != out_q.zero_point) {
    return Unsupported(model, op_index, "input and output must share type and quantization");
  }
  if (input.shape.size() != 4 || output.shape.size() != 4) {
    return Malformed(model, op_index, "input and output must be 4-D");
  }
  const OpOptions& o = op.options;
  if (o.stride_h < 1 || o.stride_w < 1 || o.filter_h < 1 || o.filter_w < 1) {
    return Malformed(model, op_index, "strides and filter sizes must be positive");
  }
  PoolParams p{};
  p.average = op.type == OpType::kAveragePool2D;
  p.batches = input.shape[0];
  p.in_h = input.shape[1];
  p.in_w = input.shape[2];
  p.channels = input.shape[3];
  p.filter_h = o.filter_h;
  p.filter_w = o.filter_w;
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  SEGPIPE_RETURN_IF_ERROR(CheckWindow(model, op_index, {p.in_h, p.in_w, p.filter_h, p.filter_w,
                                                         p.stride_h, p.stride_w, 1, 1}));
  p.out_h = ConvOutputSize(o.padding, p.in_h, p.filter_h, p.stride_h, 1);
  p.out_w = ConvOutputSize(o.padding, p.in_w, p.filter_w, p.stride_w, 1);
  if (output.shape != std::vector<int32_t>{p.batches, p.out_h, p.out_w, p.channels}) {
    return Malformed(model, op_index, fmt::format("output shape [{}] does not match the pool's "
                                                  "[{}, {}, {}, {}]", fmt::join(output.shape, ", "),
                                                  p.batches, p.out_h, p.out_w, p.channels));
  }
  p.pad_top = ConvPadBefore(p.in_h, p.filter_h, p.stride_h, 1, p.out_h);
  p.pad_left = ConvPadBefore(p.in_w, p.filter_w, p.stride_w, 1, p.out_w);
  Status act = QuantizedActivationRange(o.activation, output.type, out_q.scale, out_q.zero_point,
                                        &p.act_min, &p.act_max);
  if (!act.ok()) return Unsupported(model, op_index, act.message());
  if (output.type == DataType::kInt8) return MakeKernel([p](const KernelIo& io) { RunPool<int8_t>(p, io); });
  return MakeKernel([p](const KernelIo& io) { RunPool<uint8_t>(p, io); });
}

}  // namespace segpipe::reference
