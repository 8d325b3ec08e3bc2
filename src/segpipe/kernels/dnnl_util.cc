// Shared plumbing of the oneDNN-backed fast kernels (see dnnl_util.h).
#include "segpipe/kernels/internal/dnnl_util.h"

#include <cpuid.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace segpipe::dnnl_kernels {

namespace {

// oneDNN 2.6 on a host with AMX (avx512_core_amx and above) computes the int8 depthwise
// convolutions of person_detect (tflite_micro) up to 7 off TFLite end to end and ~200 off in
// isolation (exec_tflite_agreement_test); capped at avx512_core_bf16 it agrees within 1, as on
// AVX2 and AVX-512 VNNI hosts. The cap is set once, before the first primitive, unless the user
// chose one with ONEDNN_MAX_CPU_ISA (or DNNL_MAX_CPU_ISA).
void CapCpuIsaOnce() {
  static const bool capped = [] {
    if (std::getenv("ONEDNN_MAX_CPU_ISA") != nullptr || std::getenv("DNNL_MAX_CPU_ISA") != nullptr) {
      return false;
    }
    // Only hosts with AMX-INT8 (CPUID leaf 7, EDX bit 25) are capped: elsewhere the cap could
    // also hide ISAs outside the AVX-512 line, such as avx2_vnni.
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0 || (edx & (1u << 25)) == 0) {
      return false;
    }
    return dnnl::set_max_cpu_isa(dnnl::cpu_isa::avx512_core_bf16) == dnnl::status::success;
  }();
  (void)capped;
}

}  // namespace

const dnnl::engine& CpuEngine() {
  static const dnnl::engine* engine = [] {
    CapCpuIsaOnce();
    return new dnnl::engine(dnnl::engine::kind::cpu, 0);
  }();
  return *engine;
}

Status CatchDnnl(std::string_view what, const std::function<void()>& body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    return UnimplementedError(std::string(what) + ": oneDNN cannot build it: " + e.what());
  }
  return OkStatus();
}

std::optional<QuantizedRange> ActivationRange(Activation activation, const Tensor& output) {
  const bool is_uint8 = output.type == DataType::kUInt8;
  const int32_t type_min = is_uint8 ? 0 : -128;
  const int32_t type_max = is_uint8 ? 255 : 127;
  const float scale = output.quant.scale[0];
  const int32_t zero_point = static_cast<int32_t>(output.quant.zero_point[0]);
  // TFLite quantizes the activation bounds with a float division and round-half-away.
  auto quantize = [&](float real) {
    return zero_point + static_cast<int32_t>(std::round(real / scale));
  };
  switch (activation) {
    case Activation::kNone:
      return QuantizedRange{type_min, type_max};
    case Activation::kRelu:
      return QuantizedRange{std::max(type_min, quantize(0.0f)), type_max};
    case Activation::kRelu6:
      return QuantizedRange{std::max(type_min, quantize(0.0f)),
                            std::min(type_max, quantize(6.0f))};
    case Activation::kReluN1To1:
      return QuantizedRange{std::max(type_min, quantize(-1.0f)),
                            std::min(type_max, quantize(1.0f))};
    case Activation::kTanh:
    case Activation::kSignBit:
      return std::nullopt;
  }
  return std::nullopt;
}

std::vector<float> OutputScales(const Tensor& input, const Tensor& weights, const Tensor& output) {
  // Same double-precision product TFLite forms before quantizing it to a fixed-point multiplier.
  std::vector<float> scales(weights.quant.scale.size());
  for (size_t c = 0; c < scales.size(); ++c) {
    scales[c] = static_cast<float>(static_cast<double>(input.quant.scale[0]) *
                                   static_cast<double>(weights.quant.scale[c]) /
                                   static_cast<double>(output.quant.scale[0]));
  }
  return scales;
}

std::optional<QuantFlavour> FlavourOf(const Tensor& input, const Tensor& weights,
                                      const Tensor& output, const Tensor* bias) {
  auto per_tensor = [](const Tensor& t) {
    return t.quant.scale.size() == 1 && t.quant.zero_point.size() == 1;
  };
  if (!per_tensor(input) || !per_tensor(output) || weights.quant.empty()) return std::nullopt;
  if (weights.quant.zero_point.size() != weights.quant.scale.size()) return std::nullopt;
  if (bias != nullptr && bias->type != DataType::kInt32) return std::nullopt;
  if (!weights.is_constant || static_cast<int64_t>(weights.data.size()) != weights.num_bytes()) {
    return std::nullopt;
  }
  if (input.type == DataType::kUInt8 && output.type == DataType::kUInt8 &&
      weights.type == DataType::kUInt8 && per_tensor(weights)) {
    return QuantFlavour::kUInt8PerTensor;
  }
  if (input.type == DataType::kInt8 && output.type == DataType::kInt8 &&
      weights.type == DataType::kInt8) {
    // TFLite's int8 scheme has symmetric weights; anything else is left to the reference kernel.
    for (int64_t z : weights.quant.zero_point) {
      if (z != 0) return std::nullopt;
    }
    return QuantFlavour::kInt8;
  }
  return std::nullopt;
}

int64_t OutputChannels(const Op& op, const Tensor& weights) {
  const size_t rank = op.type == OpType::kFullyConnected ? 2 : 4;
  if (weights.shape.size() != rank) return -1;
  return op.type == OpType::kDepthwiseConv2D ? weights.shape[3] : weights.shape[0];
}

bool BiasFits(const Tensor& bias, int64_t channels) {
  return bias.is_constant && bias.type == DataType::kInt32 && bias.num_elements() == channels &&
         static_cast<int64_t>(bias.data.size()) == bias.num_bytes();
}

dnnl::memory::data_type ActivationDataType(DataType type) {
  return type == DataType::kUInt8 ? dnnl::memory::data_type::u8 : dnnl::memory::data_type::s8;
}

BoundPrimitive::BoundPrimitive(dnnl::primitive primitive, const dnnl::primitive_desc_base& desc,
                               int num_threads)
    : primitive_(std::move(primitive)),
      stream_(CpuEngine()),
      num_threads_(std::max(1, num_threads)),
      scratchpad_(desc.scratchpad_desc().get_size()) {
  zero_points_.reserve(3);
  if (!scratchpad_.empty()) Bind(DNNL_ARG_SCRATCHPAD, desc.scratchpad_desc(), scratchpad_.data());
}

int BoundPrimitive::Bind(int arg, const dnnl::memory::desc& md, void* data) {
  // A null handle makes a memory without a buffer (oneDNN allocates nothing); the real pointer
  // comes with SetData.
  memories_.emplace_back(md, CpuEngine(), data);
  args_.push_back({arg, memories_.back().get()});
  return static_cast<int>(memories_.size()) - 1;
}

void BoundPrimitive::BindMemory(int arg, dnnl::memory memory) {
  memories_.push_back(std::move(memory));
  args_.push_back({arg, memories_.back().get()});
}

void BoundPrimitive::BindZeroPoint(int arg, int32_t value) {
  SEGPIPE_CHECK(zero_points_.size() < zero_points_.capacity());
  zero_points_.push_back(value);
  const dnnl::memory::desc md({1}, dnnl::memory::data_type::s32, dnnl::memory::format_tag::x);
  Bind(DNNL_ARG_ATTR_ZERO_POINTS | arg, md, &zero_points_.back());
}

void BoundPrimitive::SetData(int slot, const void* data) {
  const dnnl_status_t status = dnnl_memory_set_data_handle_v2(
      memories_[static_cast<size_t>(slot)].get(), const_cast<void*>(data), nullptr);
  SEGPIPE_CHECK(status == dnnl_success);
}

void BoundPrimitive::Execute() {
  // OpenMP's thread count is per calling thread: set it each time, since the executor (or a
  // pipeline stage thread) that calls Run may not be the thread that prepared the kernel.
  if (omp_get_max_threads() != num_threads_) omp_set_num_threads(num_threads_);
  const dnnl_status_t status = dnnl_primitive_execute(
      primitive_.get(), stream_.get(), static_cast<int>(args_.size()), args_.data());
  SEGPIPE_CHECK(status == dnnl_success);
}

StatusOr<ConvGeometry> ComputeConvGeometry(const OpOptions& options, const Tensor& input,
                                           int32_t kernel_h, int32_t kernel_w,
                                           const Tensor& output) {
  if (input.shape.size() != 4 || output.shape.size() != 4) {
    return InvalidArgumentError("convolution tensors must be 4-D NHWC");
  }
  ConvGeometry g;
  g.batch = input.shape[0];
  g.in_h = input.shape[1];
  g.in_w = input.shape[2];
  g.out_h = output.shape[1];
  g.out_w = output.shape[2];
  g.kernel_h = kernel_h;
  g.kernel_w = kernel_w;
  g.stride_h = options.stride_h;
  g.stride_w = options.stride_w;
  g.dilation_h = options.dilation_h;
  g.dilation_w = options.dilation_w;
  if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1 || kernel_h < 1 ||
      kernel_w < 1 || output.shape[0] != g.batch) {
    return InvalidArgumentError("convolution has a non-positive stride, dilation or kernel size");
  }
  if (!WindowFitsInt32(g.in_h, kernel_h, g.stride_h, g.dilation_h) ||
      !WindowFitsInt32(g.in_w, kernel_w, g.stride_w, g.dilation_w)) {
    return InvalidArgumentError(
        "convolution: an input extent, stride, dilation or dilated kernel extent is above 2^29");
  }
  // TFLite's ComputePaddingHeightWidth: total padding split in half, the odd pixel at the end.
  auto pad = [&](int32_t in, int32_t out, int32_t kernel, int32_t stride, int32_t dilation,
                 int32_t* before, int32_t* after) -> bool {
    const int32_t effective = (kernel - 1) * dilation + 1;
    const int32_t expected = options.padding == Padding::kSame
                                 ? (in + stride - 1) / stride
                                 : (in - effective + stride) / stride;
    if (expected != out || out < 1) return false;
    if (options.padding == Padding::kValid) {
      *before = 0;
      *after = 0;
      return true;
    }
    const int32_t total = std::max(0, (out - 1) * stride + effective - in);
    *before = total / 2;
    *after = total - total / 2;
    return true;
  };
  if (!pad(g.in_h, g.out_h, kernel_h, g.stride_h, g.dilation_h, &g.pad_top, &g.pad_bottom) ||
      !pad(g.in_w, g.out_w, kernel_w, g.stride_w, g.dilation_w, &g.pad_left, &g.pad_right)) {
    return InvalidArgumentError("convolution output shape does not match its padding and strides");
  }
  return g;
}

namespace {
// The zero point shared by all weights. FlavourOf admits per-channel weights only when their
// zero points are all 0, so one value covers both flavours.
int32_t WeightZeroPoint(const Tensor& weights) {
  return weights.quant.zero_point.size() == 1 ? static_cast<int32_t>(weights.quant.zero_point[0])
                                              : 0;
}
int32_t WeightAt(const Tensor& weights, size_t i) {
  return weights.type == DataType::kUInt8 ? static_cast<int32_t>(weights.data[i])
                                          : static_cast<int32_t>(static_cast<int8_t>(weights.data[i]));
}
}  // namespace

bool WeightsFitInt8(const Tensor& weights) {
  const int32_t zero_point = WeightZeroPoint(weights);
  for (size_t i = 0; i < weights.data.size(); ++i) {
    const int32_t centered = WeightAt(weights, i) - zero_point;
    if (centered < -128 || centered > 127) return false;
  }
  return true;
}

std::vector<int8_t> CenteredWeights(const Tensor& weights) {
  const int32_t zero_point = WeightZeroPoint(weights);
  std::vector<int8_t> centered(weights.data.size());
  for (size_t i = 0; i < centered.size(); ++i) {
    centered[i] = static_cast<int8_t>(WeightAt(weights, i) - zero_point);
  }
  return centered;
}

dnnl::primitive_attr QuantizedAttr(const QuantizedAttrSpec& spec) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_output_scales(spec.scale_mask, spec.scales);
  if (spec.input_zero_point != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
  if (spec.weights_zero_point) attr.set_zero_points(DNNL_ARG_WEIGHTS, 0, {DNNL_RUNTIME_S32_VAL});
  if (spec.output_zero_point != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {DNNL_RUNTIME_S32_VAL});
  const int32_t type_min = spec.output_type == DataType::kUInt8 ? 0 : -128;
  const int32_t type_max = spec.output_type == DataType::kUInt8 ? 255 : 127;
  if (spec.range.min > type_min || spec.range.max < type_max) {
    // oneDNN adds the destination zero point after the post-ops, so clip in centred units.
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip,
                       static_cast<float>(spec.range.min - spec.output_zero_point),
                       static_cast<float>(spec.range.max - spec.output_zero_point));
    attr.set_post_ops(ops);
  }
  return attr;
}

void BindZeroPoints(const QuantizedAttrSpec& spec, int32_t weights_zero_point_value,
                    BoundPrimitive& primitive) {
  if (spec.input_zero_point != 0) primitive.BindZeroPoint(DNNL_ARG_SRC, spec.input_zero_point);
  if (spec.weights_zero_point) primitive.BindZeroPoint(DNNL_ARG_WEIGHTS, weights_zero_point_value);
  if (spec.output_zero_point != 0) primitive.BindZeroPoint(DNNL_ARG_DST, spec.output_zero_point);
}

bool Int8DotProductsAreExact() {
  static const bool exact = [] {
    CapCpuIsaOnce();
    using dnnl::cpu_isa;
    const cpu_isa isa = dnnl::get_effective_cpu_isa();
    return isa == cpu_isa::avx512_core_vnni || isa == cpu_isa::avx512_core_bf16 ||
           isa == cpu_isa::avx512_core_amx || isa == cpu_isa::avx2_vnni;
  }();
  return exact;
}

void UseThreads(int num_threads) { omp_set_num_threads(std::max(1, num_threads)); }

dnnl::memory ReorderWeights(const dnnl::memory::desc& user, const void* data,
                            const dnnl::memory::desc& target) {
  dnnl::memory source(user, CpuEngine(), const_cast<void*>(data));
  dnnl::memory reordered(target, CpuEngine());
  dnnl::stream stream(CpuEngine());
  dnnl::reorder(source, reordered).execute(stream, source, reordered);
  stream.wait();
  return reordered;
}

}  // namespace segpipe::dnnl_kernels
