// The graph IR: tensors, ops and models, independent of any file format.
//
// A Model owns its tensors (with constant data) and its ops, kept in a topological order: every
// op's inputs are model inputs, constants, or outputs of earlier ops. Readers (tflite/) build
// Models, kernels and executors (kernels/, exec/) run them, the Edge TPU model (device/) and the
// partitioners (partition/) reason about their costs, and ExtractSegment cuts them into the
// consecutive pieces a pipeline runs. A Model is a plain value: copyable, movable, no pointers
// into itself (tensors are referred to by index).
#ifndef SEGPIPE_MODEL_MODEL_H_
#define SEGPIPE_MODEL_MODEL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe {

enum class DataType : uint8_t { kFloat32, kInt8, kUInt8, kInt16, kInt32, kInt64, kBool };

std::string_view DataTypeName(DataType type);
int64_t DataTypeSize(DataType type);  // bytes per element

// Affine quantization: real = scale * (q - zero_point). Per tensor when scale has one entry,
// per channel along `axis` otherwise. Empty scale = not quantized.
struct Quantization {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t axis = 0;

  bool empty() const { return scale.empty(); }
  bool per_channel() const { return scale.size() > 1; }
  bool operator==(const Quantization&) const = default;
};

struct Tensor {
  std::string name;
  DataType type = DataType::kFloat32;
  std::vector<int32_t> shape;       // TFLite order (NHWC for images, [out, in] for FC weights)
  Quantization quant;
  std::vector<uint8_t> data;        // constant contents (weights, biases, shapes); empty otherwise
  bool is_constant = false;         // true when `data` holds the tensor's value
  bool is_variable = false;         // state kept between inferences (TFLite variable tensor)

  int64_t num_elements() const;
  int64_t num_bytes() const { return num_elements() * DataTypeSize(type); }
  bool operator==(const Tensor&) const = default;
};

// Builtin ops we map. kUnknownBuiltin and kCustom are kept so tools can show them; execution
// refuses them with a message naming the op.
enum class OpType : uint8_t {
  kConv2D,
  kDepthwiseConv2D,
  kFullyConnected,
  kAdd,
  kMul,
  kSub,
  kAveragePool2D,
  kMaxPool2D,
  kReshape,
  kSqueeze,
  kSoftmax,
  kLogistic,
  kTanh,
  kRelu,
  kRelu6,
  kHardSwish,
  kQuantize,
  kDequantize,
  kConcatenation,
  kSplit,
  kMean,
  kPad,
  kResizeBilinear,
  kArgMax,
  kTranspose,
  kUnknownBuiltin,  // a TFLite builtin we do not map (see Op::builtin_code)
  kCustom,          // a custom op (see Op::custom_code)
};

std::string_view OpTypeName(OpType type);  // TFLite's spelling: "CONV_2D", ...

enum class Padding : uint8_t { kSame, kValid };
enum class Activation : uint8_t { kNone, kRelu, kReluN1To1, kRelu6, kTanh, kSignBit };
std::string_view ActivationName(Activation a);

// Options of every mapped op in one struct; each op reads the fields that apply to it (see the
// comments). Defaults are TFLite's defaults.
struct OpOptions {
  Padding padding = Padding::kSame;        // conv, depthwise, pools
  int32_t stride_w = 1, stride_h = 1;      // conv, depthwise, pools
  int32_t dilation_w = 1, dilation_h = 1;  // conv, depthwise
  int32_t filter_w = 1, filter_h = 1;      // pools
  int32_t depth_multiplier = 1;            // depthwise
  Activation activation = Activation::kNone;  // conv, depthwise, fc, add, mul, sub, pools, concat
  int32_t axis = 0;                        // concatenation; split (also input 0), argmax via input
  int32_t num_splits = 0;                  // split
  bool keep_dims = false;                  // mean; fully connected keep_num_dims
  float beta = 1.0f;                       // softmax
  bool align_corners = false;              // resize bilinear
  bool half_pixel_centers = false;         // resize bilinear
  std::vector<int32_t> new_shape;          // reshape (options form; input 1 wins when present)
  std::vector<int32_t> squeeze_dims;       // squeeze
  DataType output_type = DataType::kInt64; // argmax
  bool operator==(const OpOptions&) const = default;
};

struct Op {
  OpType type = OpType::kUnknownBuiltin;
  int32_t builtin_code = -1;           // TFLite BuiltinOperator value (kept for every op)
  std::string custom_code;             // for kCustom
  int32_t version = 1;                 // operator_codes version
  std::vector<int32_t> inputs;         // tensor indices; -1 = optional input absent
  std::vector<int32_t> outputs;        // tensor indices
  OpOptions options;
  std::vector<uint8_t> custom_options; // raw bytes, kept for custom ops
  bool operator==(const Op&) const = default;
};

struct Model {
  std::string description;
  std::vector<Tensor> tensors;
  std::vector<Op> ops;          // topological order
  std::vector<int32_t> inputs;  // tensor indices
  std::vector<int32_t> outputs; // tensor indices
  bool operator==(const Model&) const = default;

  const Tensor& tensor(int32_t index) const { return tensors[static_cast<size_t>(index)]; }
  Tensor& tensor(int32_t index) { return tensors[static_cast<size_t>(index)]; }
};

// Checks indices, that ops are in topological order (sorting them if not), that constant data
// has the size the shape says, and that every model output is produced. Readers call this.
Status ValidateAndSortModel(Model& model);

// Costs of one op, as the Edge TPU model and the partitioners count them.
struct OpCost {
  int64_t macs = 0;               // multiply-accumulates (conv, depthwise, fc); 0 otherwise
  int64_t weight_bytes = 0;       // bytes of constant inputs (weights + biases)
  int64_t output_bytes = 0;       // bytes of all outputs (activations)
};
OpCost ComputeOpCost(const Model& model, const Op& op);

// Multiply-accumulates of one inference of `model` (sum of ComputeOpCost macs; exact for a
// validated model, whose total ValidateAndSortModel bounds).
int64_t ModelMacs(const Model& model);

// Human-readable quantization kind of a tensor, e.g. "uint8 per-tensor", "int8 per-channel".
std::string QuantizationKind(const Tensor& tensor);

// The sub-model made of ops [first_op, last_op] (inclusive, indices into model.ops). Its inputs
// are exactly the non-constant tensors it reads that are produced outside the range (model
// inputs or earlier ops), in the order of first use; its outputs are exactly the tensors produced
// inside the range that are read after last_op or are model outputs, in production order.
// Tensors produced before the range and consumed after it are NOT part of this segment; a
// pipeline forwards them (see SegmentBoundaries). Only constants the segment uses are copied.
// Fails (UNIMPLEMENTED) when an op of the range keeps state (see FirstStatefulOp).
StatusOr<Model> ExtractSegment(const Model& model, int first_op, int last_op);

// The first op in [first_op, last_op] (all ops by default) that reads a tensor which is neither
// a constant, a model input nor any op's output: state kept between inferences, like the cell
// of UNIDIRECTIONAL_SEQUENCE_LSTM. Cutting would turn it into a segment input nobody feeds.
// -1 when there is none; *state_tensor receives the tensor.
int FirstStatefulOp(const Model& model, int32_t* state_tensor = nullptr, int first_op = 0,
                    int last_op = -1);

// UNIMPLEMENTED naming the op when `model` keeps state between inferences (FirstStatefulOp):
// such a model cannot be cut into segments, so no pipeline or segment file can be made of it.
// `label` (the model's path) starts the message.
Status CheckModelCanBeCut(const Model& model, const std::string& label);

// A *layer*, as the paper and the Edge TPU compiler count them: a weighted op (CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED) together with the unweighted ops that follow it up to the
// next weighted op (a TANH after a FULLY_CONNECTED belongs to it); ops before the first weighted
// op join the first layer. Returns the index of the last op of each layer, ascending; the last
// entry is always ops.size() - 1. A model without weighted ops is one layer.
std::vector<int> LayerEnds(const Model& model);

// For a split of `model` into consecutive op ranges, the tensors (model tensor indices) live
// across each cut: boundary[i] = tensors produced at or before the end of range i (or model
// inputs) and read after it (or model outputs). Cost of a cut = sum of their bytes.
std::vector<std::vector<int32_t>> SegmentBoundaries(const Model& model,
                                                    std::span<const int> last_op_of_each_range);

}  // namespace segpipe

#endif  // SEGPIPE_MODEL_MODEL_H_
