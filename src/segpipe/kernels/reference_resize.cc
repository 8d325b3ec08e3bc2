// Reference RESIZE_BILINEAR of an 8-bit NHWC tensor, as TFLite's reference kernel does it: source
// coordinates and weights in float (align_corners / half_pixel_centers as the options say), the
// interpolated value truncated to the integer type. Quantization passes through unchanged.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "segpipe/kernels/internal/reference_common.h"

namespace segpipe::reference {
namespace {

struct ResizeParams {
  int32_t batches, in_h, in_w, channels, out_h, out_w;
  float scale_h, scale_w;
  bool half_pixel_centers;
};

// Source coordinate of output position `out` and its two neighbouring input rows/columns.
void Source(int32_t out, float scale, bool half_pixel_centers, int32_t in_size, float* value,
            int32_t* lower, int32_t* upper) {
  *value = half_pixel_centers ? (static_cast<float>(out) + 0.5f) * scale - 0.5f
                              : static_cast<float>(out) * scale;
  *lower = std::max(static_cast<int32_t>(std::floor(*value)), 0);
  *upper = std::min(static_cast<int32_t>(std::ceil(*value)), in_size - 1);
}

template <typename T>
void RunResize(const ResizeParams& p, const KernelIo& io) {
  const T* input = reinterpret_cast<const T*>(io.inputs[0]);
  T* output = reinterpret_cast<T*>(io.outputs[0]);
  auto at = [&](int32_t b, int32_t y, int32_t x, int32_t c) {
    return static_cast<float>(input[((static_cast<int64_t>(b) * p.in_h + y) * p.in_w + x) * p.channels + c]);
  };
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t y = 0; y < p.out_h; ++y) {
      float in_y;
      int32_t y0, y1;
      Source(y, p.scale_h, p.half_pixel_centers, p.in_h, &in_y, &y0, &y1);
      for (int32_t x = 0; x < p.out_w; ++x) {
        float in_x;
        int32_t x0, x1;
        Source(x, p.scale_w, p.half_pixel_centers, p.in_w, &in_x, &x0, &x1);
        const float dy = in_y - static_cast<float>(y0), dx = in_x - static_cast<float>(x0);
        for (int32_t c = 0; c < p.channels; ++c) {
          const float v = at(b, y0, x0, c) * (1 - dy) * (1 - dx) + at(b, y1, x0, c) * dy * (1 - dx) +
                          at(b, y0, x1, c) * (1 - dy) * dx + at(b, y1, x1, c) * dy * dx;
          output[((static_cast<int64_t>(b) * p.out_h + y) * p.out_w + x) * p.channels + c] =
              static_cast<T>(v);
        }
      }
    }
  }
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareResizeBilinear(const Model& model, int op_index) {
  SEGPIPE_RETURN_IF_ERROR(CheckArity(model, op_index, 2, 1));
  const OpOptions& o = model.ops[static_cast<size_t>(op_index)].options;
  const Tensor& input = InputTensor(model, op_index, 0);
  const Tensor& output = OutputTensor(model, op_index, 0);
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams in_q, PerTensorQuant8(model, op_index, input, "input"));
  SEGPIPE_ASSIGN_OR_RETURN(QuantParams out_q, PerTensorQuant8(model, op_index, output, "output"));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int64_t> size,
                           ReadIndexTensor(model, op_index, InputTensor(model, op_index, 1), "size"));
  if (input.type != output.type || in_q.scale != out_q.scale || in_q.zero_point != out_q.zero_point) {
    return Unsupported(model, op_index, "input and output must share type and quantization");
  }
  if (input.shape.size() != 4 || size.size() != 2 ||
      output.shape != std::vector<int32_t>{input.shape[0], static_cast<int32_t>(size[0]),
                                           static_cast<int32_t>(size[1]), input.shape[3]}) {
    return Malformed(model, op_index, fmt::format("cannot resize [{}] to [{}] as output [{}]",
                                                  fmt::join(input.shape, ", "), fmt::join(size, ", "),
                                                  fmt::join(output.shape, ", ")));
  }
  if (o.align_corners && o.half_pixel_centers) {
    return Unsupported(model, op_index, "align_corners together with half_pixel_centers");
  }
  ResizeParams p{};
  p.batches = input.shape[0];
  p.in_h = input.shape[1];
  p.in_w = input.shape[2];
  p.channels = input.shape[3];
  p.out_h = output.shape[1];
  p.out_w = output.shape[2];
  if (p.out_h <= 0 || p.out_w <= 0) return Malformed(model, op_index, "output size must be positive");
  p.half_pixel_centers = o.half_pixel_centers;
  p.scale_h = static_cast<float>(p.in_h) / static_cast<float>(p.out_h);
  p.scale_w = static_cast<float>(p.in_w) / static_cast<float>(p.out_w);
  if (o.align_corners && p.out_h > 1) p.scale_h = static_cast<float>(p.in_h - 1) / static_cast<float>(p.out_h - 1);
  if (o.align_corners && p.out_w > 1) p.scale_w = static_cast<float>(p.in_w - 1) / static_cast<float>(p.out_w - 1);
  if (input.type == DataType::kInt8) return MakeKernel([p](const KernelIo& io) { RunResize<int8_t>(p, io); });
  return MakeKernel([p](const KernelIo& io) { RunResize<uint8_t>(p, io); });
}

}  // namespace segpipe::reference
