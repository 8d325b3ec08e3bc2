// Plumbing shared by the oneDNN-backed fast kernels: the process-wide CPU engine, a primitive
// prepared once whose buffers are swapped per call, and the TFLite quantization arithmetic
// (requantization scales, activation clamps) expressed the way oneDNN attributes want it.
//
// oneDNN reports errors with C++ exceptions; everything here that can throw runs at Prepare and
// converts them to Status (no exception leaves the kernels layer). Run goes through the C API,
// which reports errors by value; an execution error there is a bug and hits SEGPIPE_CHECK.
#ifndef SEGPIPE_KERNELS_INTERNAL_DNNL_UTIL_H_
#define SEGPIPE_KERNELS_INTERNAL_DNNL_UTIL_H_

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/model/model.h"

namespace segpipe::dnnl_kernels {

// The CPU engine every fast kernel uses (created on first use; thread-safe).
const dnnl::engine& CpuEngine();

// Runs `body` (which builds oneDNN objects) and turns a dnnl::error into a Status naming `what`
// (callers treat it as "no fast kernel for this configuration").
Status CatchDnnl(std::string_view what, const std::function<void()>& body);

// Clamp of a quantized output in its integer units (TFLite's CalculateActivationRangeQuantized).
struct QuantizedRange {
  int32_t min = 0;
  int32_t max = 0;
};
// nullopt for fused activations that are not a clamp (TANH, SIGN_BIT).
std::optional<QuantizedRange> ActivationRange(Activation activation, const Tensor& output);

// Per-output-channel (or one, per-tensor) multipliers input_scale * weight_scale[c] / output_scale.
std::vector<float> OutputScales(const Tensor& input, const Tensor& weights, const Tensor& output);

// The int8 flavours TFLite uses for CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED.
enum class QuantFlavour { kUInt8PerTensor, kInt8 };
// The flavour of an op with these tensors, or nullopt when the fast kernels do not cover it
// (float, int16 activations, missing quantization, mixed types).
std::optional<QuantFlavour> FlavourOf(const Tensor& input, const Tensor& weights,
                                      const Tensor& output, const Tensor* bias);

// Output channels of a CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED from its weights' shape
// (dimension 0, or 3 for depthwise); -1 when the shape is not one of theirs.
int64_t OutputChannels(const Op& op, const Tensor& weights);
// True when `bias` is a constant int32 vector of `channels` values with all its bytes present.
bool BiasFits(const Tensor& bias, int64_t channels);

// oneDNN data type of an 8-bit activation tensor.
dnnl::memory::data_type ActivationDataType(DataType type);

// A oneDNN primitive with every argument bound to a dnnl::memory at Prepare. Run only swaps the
// data pointers of the arguments that change per call (set_data_handle does not allocate) and
// executes through the C API with a prebuilt argument array. Zero points are bound as runtime
// values held by this object; the user-mode scratchpad is allocated here, once.
// Lifetime: owned by one Kernel. Not thread-safe (one call at a time), like Kernel::Run.
class BoundPrimitive {
 public:
  // `num_threads` is the OpenMP thread count the primitive was created for and runs with.
  BoundPrimitive(dnnl::primitive primitive, const dnnl::primitive_desc_base& desc, int num_threads);
  BoundPrimitive(const BoundPrimitive&) = delete;
  BoundPrimitive& operator=(const BoundPrimitive&) = delete;

  // Binds `arg` (DNNL_ARG_*) to a memory of layout `md` over `data` (may be null: set per call).
  // Returns the slot to pass to SetData.
  int Bind(int arg, const dnnl::memory::desc& md, void* data);
  // Binds `arg` to an existing memory (weights reordered at Prepare); this object keeps it.
  void BindMemory(int arg, dnnl::memory memory);
  // Binds the runtime zero point of `arg` (DNNL_ARG_SRC/WEIGHTS/DST) to `value`.
  void BindZeroPoint(int arg, int32_t value);

  void SetData(int slot, const void* data);
  void Execute();

 private:
  dnnl::primitive primitive_;
  dnnl::stream stream_;
  int num_threads_;
  std::vector<uint8_t> scratchpad_;
  // Zero points live here so the memories bound to them stay valid; reserved up front so the
  // vector never reallocates under the bound pointers.
  std::vector<int32_t> zero_points_;
  std::vector<dnnl::memory> memories_;
  std::vector<dnnl_exec_arg_t> args_;
};

// Geometry of a TFLite convolution / depthwise convolution / pooling window along H and W,
// with the explicit padding TFLite derives from SAME/VALID (extra padding goes after).
struct ConvGeometry {
  int32_t batch = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int32_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int32_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};
// Fails when the shapes do not agree with the options (the output size TFLite would compute).
StatusOr<ConvGeometry> ComputeConvGeometry(const OpOptions& options, const Tensor& input,
                                           int32_t kernel_h, int32_t kernel_w,
                                           const Tensor& output);

// True when every weight minus its zero point fits int8, so oneDNN can take the weights as s8
// with a zero point of 0 (always the case for TFLite's symmetric int8 weights).
bool WeightsFitInt8(const Tensor& weights);
// Weights minus their zero point as int8 (requires WeightsFitInt8 and a FlavourOf flavour).
std::vector<int8_t> CenteredWeights(const Tensor& weights);

// Attributes of a quantized oneDNN conv/matmul: per-channel (mask `scale_mask`) or per-tensor
// output scales, user-mode scratchpad, runtime zero points for the source and destination (when
// non-zero) and for the weights (when `weights_zero_point`), and the fused activation as a clip
// applied before the destination zero point is added.
struct QuantizedAttrSpec {
  std::vector<float> scales;
  int scale_mask = 0;
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  bool weights_zero_point = false;
  QuantizedRange range;
  DataType output_type = DataType::kInt8;
};
dnnl::primitive_attr QuantizedAttr(const QuantizedAttrSpec& spec);
// Binds the zero points QuantizedAttr declared; `weights_zero_point_value` only when declared.
void BindZeroPoints(const QuantizedAttrSpec& spec, int32_t weights_zero_point_value,
                    BoundPrimitive& primitive);

// Makes the calling thread's OpenMP pool `num_threads` wide, so primitives created next are
// blocked for that many threads.
void UseThreads(int num_threads);

// A kernel that is one oneDNN call reading input 0 and writing output 0 (everything else was
// bound at Prepare). Lifetime and thread-safety as Kernel.
class PrimitiveKernel final : public Kernel {
 public:
  PrimitiveKernel(std::unique_ptr<BoundPrimitive> primitive, int src_slot, int dst_slot)
      : primitive_(std::move(primitive)), src_slot_(src_slot), dst_slot_(dst_slot) {}
  void Run(const KernelIo& io) override {
    primitive_->SetData(src_slot_, io.inputs[0]);
    primitive_->SetData(dst_slot_, io.outputs[0]);
    primitive_->Execute();
  }

 private:
  std::unique_ptr<BoundPrimitive> primitive_;
  int src_slot_;
  int dst_slot_;
};

// Whether oneDNN's int8 convolutions and matmuls compute TFLite's int32 sums exactly on this
// CPU: only with VNNI (vpdpbusd, AVX-512 VNNI or AVX-VNNI). Without it oneDNN multiplies
// through 16-bit pair sums (vpmaddubsw), which saturate for a uint8 source (outputs off by up
// to 255 quanta on mobilenet_v1_0.25_128_quant's layers), and for an int8 source it halves the
// weights to avoid that ("sa0.5" in ONEDNN_VERBOSE), dropping every odd weight's last bit (up
// to 11 quanta on tf2_mobilenet_v2_1.0_224_ptq's first layer). Decided once, from oneDNN's
// effective ISA (which ONEDNN_MAX_CPU_ISA can lower).
bool Int8DotProductsAreExact();

// Reorders constant weights given in `user` layout into the layout `target` a primitive chose.
// Runs once at Prepare.
dnnl::memory ReorderWeights(const dnnl::memory::desc& user, const void* data,
                            const dnnl::memory::desc& target);

}  // namespace segpipe::dnnl_kernels

#endif  // SEGPIPE_KERNELS_INTERNAL_DNNL_UTIL_H_
