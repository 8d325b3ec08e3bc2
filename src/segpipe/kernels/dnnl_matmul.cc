// Fast FULLY_CONNECTED and matmul-lowered CONV_2D through oneDNN (see dnnl_matmul.h).
#include "segpipe/kernels/internal/dnnl_matmul.h"

#include <cstring>
#include <utility>
#include <vector>

#include "segpipe/kernels/internal/dnnl_util.h"

namespace segpipe {
namespace {

using dnnl::memory;
using namespace dnnl_kernels;  // NOLINT: the helpers of this family of files

// Largest im2col buffer we are willing to allocate; bigger convolutions use the reference kernel.
constexpr int64_t kMaxIm2colBytes = int64_t{512} << 20;

// A [rows, depth] x [depth, cols] quantized product with TFLite's [cols, depth] weights.
struct MatmulSpec {
  int64_t rows = 0, depth = 0, cols = 0;
  const Tensor* input = nullptr;
  const Tensor* output = nullptr;
  const Tensor* bias = nullptr;  // nullptr when absent
  std::vector<int8_t> weights;   // [cols, depth], as s8
  int32_t weights_zero_point = 0;
  QuantizedAttrSpec quant;
};

// Shared by FC and conv: fills quantization and weights; false when not covered.
bool FillMatmulSpec(const Model& model, const Op& op, MatmulSpec& spec) {
  if (op.inputs.size() < 2 || op.outputs.size() != 1 || op.inputs[0] < 0 || op.inputs[1] < 0) {
    return false;
  }
  spec.input = &model.tensor(op.inputs[0]);
  spec.output = &model.tensor(op.outputs[0]);
  const Tensor& weights = model.tensor(op.inputs[1]);
  spec.bias = op.inputs.size() > 2 && op.inputs[2] >= 0 ? &model.tensor(op.inputs[2]) : nullptr;
  if (spec.bias != nullptr && !BiasFits(*spec.bias, OutputChannels(op, weights))) return false;
  const auto flavour = FlavourOf(*spec.input, weights, *spec.output, spec.bias);
  const auto range = ActivationRange(op.options.activation, *spec.output);
  if (!flavour || !range) return false;
  spec.quant.scales = OutputScales(*spec.input, weights, *spec.output);
  spec.quant.scale_mask = spec.quant.scales.size() > 1 ? 1 << 1 : 0;  // dst dim 1 = columns
  spec.quant.input_zero_point = static_cast<int32_t>(spec.input->quant.zero_point[0]);
  spec.quant.output_zero_point = static_cast<int32_t>(spec.output->quant.zero_point[0]);
  spec.quant.range = *range;
  spec.quant.output_type = spec.output->type;
  if (WeightsFitInt8(weights)) {
    spec.weights = CenteredWeights(weights);
  } else {
    // Only uint8 per-tensor weights get here (int8 weights are symmetric): shift them into s8
    // and move the shift into the zero point, which oneDNN's matmul subtracts exactly.
    spec.weights.resize(weights.data.size());
    for (size_t i = 0; i < weights.data.size(); ++i) {
      spec.weights[i] = static_cast<int8_t>(static_cast<int32_t>(weights.data[i]) - 128);
    }
    spec.quant.weights_zero_point = true;
    spec.weights_zero_point = static_cast<int32_t>(weights.quant.zero_point[0]) - 128;
  }
  return true;
}

// Builds the primitive; the caller binds the source (and runs im2col when it lowers a conv).
Status BuildMatmul(const MatmulSpec& spec, int num_threads,
                   std::unique_ptr<BoundPrimitive>& primitive, int& src_slot, int& dst_slot) {
  const memory::data_type act = ActivationDataType(spec.input->type);
  const memory::desc src({spec.rows, spec.depth}, act, memory::format_tag::ab);
  const memory::desc dst({spec.rows, spec.cols}, act, memory::format_tag::ab);
  const memory::desc bias({1, spec.cols}, memory::data_type::s32, memory::format_tag::ab);
  const memory::desc user_weights({spec.depth, spec.cols}, memory::data_type::s8,
                                  memory::format_tag::ba);
  const memory::desc any_weights({spec.depth, spec.cols}, memory::data_type::s8,
                                 memory::format_tag::any);
  UseThreads(num_threads);
  return CatchDnnl("matmul", [&] {
    const auto desc = spec.bias != nullptr ? dnnl::matmul::desc(src, any_weights, bias, dst)
                                           : dnnl::matmul::desc(src, any_weights, dst);
    const dnnl::matmul::primitive_desc pd(desc, QuantizedAttr(spec.quant), CpuEngine());
    primitive = std::make_unique<BoundPrimitive>(dnnl::matmul(pd), pd, num_threads);
    primitive->BindMemory(DNNL_ARG_WEIGHTS,
                          ReorderWeights(user_weights, spec.weights.data(), pd.weights_desc()));
    if (spec.bias != nullptr) {
      // The model outlives the kernel (Kernel contract), so bind its bias in place.
      primitive->Bind(DNNL_ARG_BIAS, bias, const_cast<uint8_t*>(spec.bias->data.data()));
    }
    src_slot = primitive->Bind(DNNL_ARG_SRC, src, nullptr);
    dst_slot = primitive->Bind(DNNL_ARG_DST, dst, nullptr);
    BindZeroPoints(spec.quant, spec.weights_zero_point, *primitive);
  });
}

// CONV_2D lowered to matmul through an im2col buffer owned by the kernel.
// Lifetime and thread-safety as Kernel.
class Im2colConvKernel final : public Kernel {
 public:
  Im2colConvKernel(std::unique_ptr<BoundPrimitive> primitive, int src_slot, int dst_slot,
                   const ConvGeometry& geometry, int32_t in_channels, uint8_t pad_value)
      : primitive_(std::move(primitive)),
        src_slot_(src_slot),
        dst_slot_(dst_slot),
        g_(geometry),
        in_channels_(in_channels),
        pad_value_(pad_value),
        columns_(static_cast<size_t>(g_.batch) * g_.out_h * g_.out_w * g_.kernel_h * g_.kernel_w *
                 in_channels_) {
    primitive_->SetData(src_slot_, columns_.data());
  }

  void Run(const KernelIo& io) override {
    Im2col(io.inputs[0]);
    primitive_->SetData(dst_slot_, io.outputs[0]);
    primitive_->Execute();
  }

 private:
  void Im2col(const uint8_t* input) {
    const size_t c = static_cast<size_t>(in_channels_);
    uint8_t* out = columns_.data();
    for (int32_t n = 0; n < g_.batch; ++n) {
      const uint8_t* image = input + static_cast<size_t>(n) * g_.in_h * g_.in_w * c;
      for (int32_t oy = 0; oy < g_.out_h; ++oy) {
        for (int32_t ox = 0; ox < g_.out_w; ++ox) {
          for (int32_t ky = 0; ky < g_.kernel_h; ++ky) {
            const int32_t iy = oy * g_.stride_h - g_.pad_top + ky * g_.dilation_h;
            for (int32_t kx = 0; kx < g_.kernel_w; ++kx) {
              const int32_t ix = ox * g_.stride_w - g_.pad_left + kx * g_.dilation_w;
              if (iy >= 0 && iy < g_.in_h && ix >= 0 && ix < g_.in_w) {
                std::memcpy(out, image + (static_cast<size_t>(iy) * g_.in_w + ix) * c, c);
              } else {
                std::memset(out, pad_value_, c);
              }
              out += c;
            }
          }
        }
      }
    }
  }

  std::unique_ptr<BoundPrimitive> primitive_;
  int src_slot_;
  int dst_slot_;
  ConvGeometry g_;
  int32_t in_channels_;
  uint8_t pad_value_;
  std::vector<uint8_t> columns_;  // [pixels, kh*kw*cin], rewritten each Run
};

}  // namespace

StatusOr<std::unique_ptr<Kernel>> PrepareDnnlFullyConnected(const Model& model, int op_index,
                                                            const KernelOptions& options) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  MatmulSpec spec;
  if (!FillMatmulSpec(model, op, spec)) return std::unique_ptr<Kernel>();
  const Tensor& weights = model.tensor(op.inputs[1]);
  if (weights.shape.size() != 2) return std::unique_ptr<Kernel>();
  spec.cols = weights.shape[0];
  spec.depth = weights.shape[1];
  if (spec.depth < 1 || spec.cols < 1 || spec.input->num_elements() % spec.depth != 0) {
    return std::unique_ptr<Kernel>();
  }
  spec.rows = spec.input->num_elements() / spec.depth;
  if (spec.output->num_elements() != spec.rows * spec.cols ||
      (spec.quant.scales.size() != 1 &&
       static_cast<int64_t>(spec.quant.scales.size()) != spec.cols)) {
    return std::unique_ptr<Kernel>();
  }
  std::unique_ptr<BoundPrimitive> primitive;
  int src_slot = -1, dst_slot = -1;
  // No oneDNN implementation for this configuration: the reference kernel runs it.
  if (!BuildMatmul(spec, options.num_threads, primitive, src_slot, dst_slot).ok()) {
    return std::unique_ptr<Kernel>();
  }
  return std::unique_ptr<Kernel>(
      std::make_unique<PrimitiveKernel>(std::move(primitive), src_slot, dst_slot));
}

StatusOr<std::unique_ptr<Kernel>> PrepareDnnlMatmulConv2D(const Model& model, int op_index,
                                                          const KernelOptions& options) {
  const Op& op = model.ops[static_cast<size_t>(op_index)];
  MatmulSpec spec;
  if (!FillMatmulSpec(model, op, spec)) return std::unique_ptr<Kernel>();
  const Tensor& weights = model.tensor(op.inputs[1]);
  if (weights.shape.size() != 4 || spec.input->shape.size() != 4 ||
      spec.output->shape.size() != 4) {
    return std::unique_ptr<Kernel>();
  }
  const int32_t out_c = weights.shape[0], kh = weights.shape[1], kw = weights.shape[2],
                in_c = weights.shape[3];
  if (spec.input->shape[3] != in_c || spec.output->shape[3] != out_c ||
      (spec.quant.scales.size() != 1 && static_cast<int32_t>(spec.quant.scales.size()) != out_c)) {
    return std::unique_ptr<Kernel>();
  }
  // Inconsistent shapes are left to the reference kernel, which reports them.
  auto geometry = ComputeConvGeometry(op.options, *spec.input, kh, kw, *spec.output);
  if (!geometry.ok()) return std::unique_ptr<Kernel>();
  const ConvGeometry g = *geometry;
  spec.rows = int64_t{g.batch} * g.out_h * g.out_w;
  spec.depth = int64_t{kh} * kw * in_c;  // TFLite's [out, kh, kw, in] is already [cols, depth]
  spec.cols = out_c;
  const bool direct = kh == 1 && kw == 1 && g.stride_h == 1 && g.stride_w == 1 &&
                      g.pad_top == 0 && g.pad_left == 0 && g.pad_bottom == 0 && g.pad_right == 0;
  if (!direct && spec.rows * spec.depth > kMaxIm2colBytes) return std::unique_ptr<Kernel>();
  std::unique_ptr<BoundPrimitive> primitive;
  int src_slot = -1, dst_slot = -1;
  if (!BuildMatmul(spec, options.num_threads, primitive, src_slot, dst_slot).ok()) {
    return std::unique_ptr<Kernel>();
  }
  if (direct) {
    return std::unique_ptr<Kernel>(
        std::make_unique<PrimitiveKernel>(std::move(primitive), src_slot, dst_slot));
  }
  const auto pad_value = static_cast<uint8_t>(spec.quant.input_zero_point);
  return std::unique_ptr<Kernel>(std::make_unique<Im2colConvKernel>(
      std::move(primitive), src_slot, dst_slot, g, in_c, pad_value));
}

}  // namespace segpipe
