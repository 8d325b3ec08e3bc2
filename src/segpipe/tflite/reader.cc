// TFLite flatbuffer -> graph IR. Structure is checked by the flatbuffers verifier; meaning
// (indices, sizes, buffer ranges, enum values) is checked here; graph-level rules (topological
// order, producers) by ValidateAndSortModel.
#include "segpipe/tflite/internal/reader.h"

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "segpipe/core/internal/file_io.h"
#include "segpipe/tflite/internal/schema_generated.h"
#include "segpipe/tflite/internal/schema_mapping.h"

namespace segpipe {
namespace {

using namespace tflite_internal;  // NOLINT: fb:: and the mapping helpers

// Bounds for the verifier: deep enough for any TFLite model, small enough that a hostile file
// cannot make verification slow.
constexpr flatbuffers::uoffset_t kMaxVerifierDepth = 64;
constexpr flatbuffers::uoffset_t kMaxVerifierTables = 10'000'000;

// Copies the bytes: the verifier checks a vector's length field, not that 8-byte elements
// (int64 zero points) are 8-byte aligned, and a crafted file may misalign them.
template <typename T>
std::vector<T> ToVector(const flatbuffers::Vector<T>* v) {
  static_assert(std::is_arithmetic_v<T> && std::endian::native == std::endian::little);
  if (v == nullptr) return {};
  std::vector<T> out(v->size());
  if (!out.empty()) std::memcpy(out.data(), v->Data(), out.size() * sizeof(T));
  return out;
}

std::string OpLabel(size_t index, const Op& op) {
  if (op.type == OpType::kCustom) return fmt::format("op {} (CUSTOM '{}')", index, op.custom_code);
  if (op.type == OpType::kUnknownBuiltin)
    return fmt::format("op {} ({})", index, BuiltinCodeName(op.builtin_code));
  return fmt::format("op {} ({})", index, OpTypeName(op.type));
}

// The builtin code of an operator code entry. Files from before builtin_code existed only set
// deprecated_builtin_code (< 127); newer files set both, with the deprecated one capped at 127.
// TFLite takes the larger of the two, and so do we.
int32_t EffectiveBuiltinCode(const fb::OperatorCode& code) {
  return std::max<int32_t>(code.deprecated_builtin_code(), static_cast<int32_t>(code.builtin_code()));
}

Status RefuseEdgeTpuModel(const fb::Model& fb_model) {
  if (fb_model.operator_codes() == nullptr) return OkStatus();
  for (const fb::OperatorCode* code : *fb_model.operator_codes()) {
    if (EffectiveBuiltinCode(*code) == kCustomBuiltinCode && code->custom_code() != nullptr &&
        code->custom_code()->string_view() == kEdgeTpuCustomCode)
      return UnimplementedError(
          "this model is compiled for the Edge TPU (it contains the custom op "
          "'edgetpu-custom-op'); segpipe needs the CPU model: pass the .tflite file as it was "
          "before edgetpu_compiler (usually the same name without '_edgetpu')");
  }
  return OkStatus();
}

StatusOr<Tensor> ReadTensor(const fb::Model& fb_model, const fb::Tensor& fb_tensor, size_t index) {
  Tensor tensor;
  if (fb_tensor.name() != nullptr) tensor.name = fb_tensor.name()->str();
  auto label = [&] { return fmt::format("tensor {} ('{}')", index, tensor.name); };
  std::optional<DataType> type = DataTypeFromTensorType(fb_tensor.type());
  if (!type)
    return UnimplementedError(fmt::format("{} has type {}, which segpipe does not support",
                                          label(), TensorTypeName(fb_tensor.type())));
  tensor.type = *type;
  tensor.shape = ToVector(fb_tensor.shape());
  for (int32_t d : tensor.shape)
    if (d < 0) return DataLossError(fmt::format("{} has a negative dimension ({})", label(), d));
  if (fb_tensor.sparsity() != nullptr)
    return UnimplementedError(fmt::format("{} is sparse; segpipe supports dense tensors only", label()));
  // Variable tensors (recurrent state) only occur with ops we do not map; they are kept so
  // the model can still be inspected and its unsupported ops named.
  tensor.is_variable = fb_tensor.is_variable();

  if (const fb::QuantizationParameters* q = fb_tensor.quantization()) {
    if (q->details() != nullptr)
      return UnimplementedError(fmt::format("{} uses custom (non-affine) quantization", label()));
    if (q->scale() != nullptr && q->scale()->size() > 0) {
      tensor.quant.scale = ToVector(q->scale());
      tensor.quant.zero_point = ToVector(q->zero_point());
      tensor.quant.axis = q->quantized_dimension();
      const size_t channels = tensor.quant.scale.size();
      for (float scale : tensor.quant.scale)
        if (!std::isfinite(scale) || scale < 0)
          return DataLossError(fmt::format("{} has an invalid quantization scale ({})", label(), scale));
      if (!tensor.quant.zero_point.empty() && tensor.quant.zero_point.size() != channels)
        return DataLossError(fmt::format("{} has {} quantization scales but {} zero points",
                                         label(), channels, tensor.quant.zero_point.size()));
      // Some converters stored a bogus quantized_dimension on 1-D (bias) tensors, which TFLite
      // ignores; for them axis 0 is the only possible one.
      if (channels > 1 && tensor.shape.size() == 1) tensor.quant.axis = 0;
      if (channels > 1) {
        const int32_t axis = tensor.quant.axis;
        if (axis < 0 || static_cast<size_t>(axis) >= tensor.shape.size() ||
            static_cast<size_t>(tensor.shape[axis]) != channels)
          return DataLossError(fmt::format(
              "{}: {} per-channel scales do not match dimension {} of shape [{}]", label(),
              channels, axis, fmt::join(tensor.shape, ", ")));
      }
    }
  }

  const uint32_t buffer_index = fb_tensor.buffer();
  const auto* buffers = fb_model.buffers();
  const uint32_t num_buffers = buffers == nullptr ? 0 : buffers->size();
  // Buffer 0 is the empty sentinel by convention; a model without buffers has no constants.
  if (buffer_index != 0 || num_buffers > 0) {
    if (buffer_index >= num_buffers)
      return DataLossError(fmt::format("{} refers to buffer {}, but the model has {} buffers",
                                       label(), buffer_index, num_buffers));
    const fb::Buffer* buffer = buffers->Get(buffer_index);
    if (buffer->offset() > 1 || buffer->size() > 0)
      return UnimplementedError(fmt::format(
          "{} keeps its data outside the flatbuffer (a model over 2 GiB); segpipe reads "
          "models whose weights are inside the flatbuffer only", label()));
    const auto* data = buffer->data();
    const int64_t elements = tensor.num_elements();
    if (data != nullptr && (data->size() > 0 || elements == 0)) {
      // A crafted shape can make the byte count overflow: that is a mismatch too.
      int64_t expected = -1;
      if (elements >= 0 && __builtin_mul_overflow(elements, DataTypeSize(tensor.type), &expected))
        expected = -1;
      if (static_cast<int64_t>(data->size()) != expected)
        return DataLossError(fmt::format("{}: buffer {} holds {} bytes, shape [{}] of type {} needs {}",
                                         label(), buffer_index, data->size(),
                                         fmt::join(tensor.shape, ", "), DataTypeName(tensor.type),
                                         expected));
      tensor.data.assign(data->begin(), data->end());
      tensor.is_constant = true;
    }
  }
  return tensor;
}

// Reads a constant int32 scalar input (axis of SPLIT and ARG_MAX); nullopt if not one.
std::optional<int32_t> ConstantScalar(const Model& model, int32_t t) {
  if (t < 0 || static_cast<size_t>(t) >= model.tensors.size()) return std::nullopt;
  const Tensor& tensor = model.tensor(t);
  if (!tensor.is_constant || tensor.num_elements() != 1) return std::nullopt;
  if (tensor.type == DataType::kInt32) {
    int32_t v;
    std::memcpy(&v, tensor.data.data(), sizeof(v));
    return v;
  }
  if (tensor.type == DataType::kInt64) {
    int64_t v;
    std::memcpy(&v, tensor.data.data(), sizeof(v));
    return static_cast<int32_t>(v);
  }
  return std::nullopt;
}

Status ReadOptions(const fb::Operator& fb_op, const std::string& label, Op& op) {
  const fb::BuiltinOptions expected = OptionsTypeFor(op.type);
  const fb::BuiltinOptions actual = fb_op.builtin_options_type();
  // Missing options mean TFLite's defaults; options of another op are a corrupt file. A union
  // may name its type and still lack the table (the verifier allows it): that is missing too.
  if (actual == fb::BuiltinOptions_NONE || expected == fb::BuiltinOptions_NONE ||
      fb_op.builtin_options() == nullptr)
    return OkStatus();
  if (actual != expected)
    return DataLossError(fmt::format("{} carries options of type {} (expected {})", label,
                                     fb::EnumNameBuiltinOptions(actual),
                                     fb::EnumNameBuiltinOptions(expected)));
  OpOptions& o = op.options;
  auto activation = [&](fb::ActivationFunctionType a) -> Status {
    std::optional<Activation> act = ActivationFromFb(a);
    if (!act)
      return DataLossError(fmt::format("{} has an unknown fused activation ({})", label,
                                       static_cast<int>(a)));
    o.activation = *act;
    return OkStatus();
  };
  auto padding = [&](fb::Padding p) -> Status {
    std::optional<Padding> pad = PaddingFromFb(p);
    if (!pad) return DataLossError(fmt::format("{} has an unknown padding ({})", label, static_cast<int>(p)));
    o.padding = *pad;
    return OkStatus();
  };
  switch (op.type) {
    case OpType::kConv2D: {
      const auto* p = fb_op.builtin_options_as_Conv2DOptions();
      SEGPIPE_RETURN_IF_ERROR(padding(p->padding()));
      SEGPIPE_RETURN_IF_ERROR(activation(p->fused_activation_function()));
      o.stride_w = p->stride_w();
      o.stride_h = p->stride_h();
      o.dilation_w = p->dilation_w_factor();
      o.dilation_h = p->dilation_h_factor();
      break;
    }
    case OpType::kDepthwiseConv2D: {
      const auto* p = fb_op.builtin_options_as_DepthwiseConv2DOptions();
      SEGPIPE_RETURN_IF_ERROR(padding(p->padding()));
      SEGPIPE_RETURN_IF_ERROR(activation(p->fused_activation_function()));
      o.stride_w = p->stride_w();
      o.stride_h = p->stride_h();
      o.dilation_w = p->dilation_w_factor();
      o.dilation_h = p->dilation_h_factor();
      o.depth_multiplier = p->depth_multiplier();
      break;
    }
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D: {
      const auto* p = fb_op.builtin_options_as_Pool2DOptions();
      SEGPIPE_RETURN_IF_ERROR(padding(p->padding()));
      SEGPIPE_RETURN_IF_ERROR(activation(p->fused_activation_function()));
      o.stride_w = p->stride_w();
      o.stride_h = p->stride_h();
      o.filter_w = p->filter_width();
      o.filter_h = p->filter_height();
      break;
    }
    case OpType::kFullyConnected: {
      const auto* p = fb_op.builtin_options_as_FullyConnectedOptions();
      SEGPIPE_RETURN_IF_ERROR(activation(p->fused_activation_function()));
      if (p->weights_format() != fb::FullyConnectedOptionsWeightsFormat_DEFAULT)
        return UnimplementedError(fmt::format("{} uses shuffled weights, which segpipe does not support", label));
      if (p->asymmetric_quantize_inputs())
        return UnimplementedError(fmt::format("{} quantizes float inputs on the fly (hybrid), which segpipe does not support", label));
      o.keep_dims = p->keep_num_dims();
      break;
    }
    case OpType::kAdd:
      SEGPIPE_RETURN_IF_ERROR(activation(fb_op.builtin_options_as_AddOptions()->fused_activation_function()));
      break;
    case OpType::kSub:
      SEGPIPE_RETURN_IF_ERROR(activation(fb_op.builtin_options_as_SubOptions()->fused_activation_function()));
      break;
    case OpType::kMul:
      SEGPIPE_RETURN_IF_ERROR(activation(fb_op.builtin_options_as_MulOptions()->fused_activation_function()));
      break;
    case OpType::kConcatenation: {
      const auto* p = fb_op.builtin_options_as_ConcatenationOptions();
      SEGPIPE_RETURN_IF_ERROR(activation(p->fused_activation_function()));
      o.axis = p->axis();
      break;
    }
    case OpType::kSoftmax:
      o.beta = fb_op.builtin_options_as_SoftmaxOptions()->beta();
      if (!std::isfinite(o.beta))
        return DataLossError(fmt::format("{} has an invalid beta ({})", label, o.beta));
      break;
    case OpType::kReshape:
      o.new_shape = ToVector(fb_op.builtin_options_as_ReshapeOptions()->new_shape());
      break;
    case OpType::kSqueeze:
      o.squeeze_dims = ToVector(fb_op.builtin_options_as_SqueezeOptions()->squeeze_dims());
      break;
    case OpType::kSplit:
      o.num_splits = fb_op.builtin_options_as_SplitOptions()->num_splits();
      break;
    case OpType::kMean:
      o.keep_dims = fb_op.builtin_options_as_ReducerOptions()->keep_dims();
      break;
    case OpType::kResizeBilinear: {
      const auto* p = fb_op.builtin_options_as_ResizeBilinearOptions();
      o.align_corners = p->align_corners();
      o.half_pixel_centers = p->half_pixel_centers();
      break;
    }
    case OpType::kArgMax: {
      const auto type = fb_op.builtin_options_as_ArgMaxOptions()->output_type();
      if (type != fb::TensorType_INT32 && type != fb::TensorType_INT64)
        return DataLossError(fmt::format("{} has output type {} (expected INT32 or INT64)", label,
                                         TensorTypeName(type)));
      o.output_type = type == fb::TensorType_INT32 ? DataType::kInt32 : DataType::kInt64;
      break;
    }
    default:  // ops whose options table is empty
      break;
  }
  return OkStatus();
}

StatusOr<Op> ReadOp(const fb::Model& fb_model, const fb::Operator& fb_op, size_t index,
                    size_t num_tensors) {
  Op op;
  const auto* codes = fb_model.operator_codes();
  const uint32_t num_codes = codes == nullptr ? 0 : codes->size();
  if (fb_op.opcode_index() >= num_codes)
    return DataLossError(fmt::format("op {} uses operator code {}, but the model has {}", index,
                                     fb_op.opcode_index(), num_codes));
  const fb::OperatorCode& code = *codes->Get(fb_op.opcode_index());
  op.builtin_code = EffectiveBuiltinCode(code);
  // Builtin codes are non-negative (both fields are signed in the schema, so a corrupt file can
  // make the larger of the two negative).
  if (op.builtin_code < 0)
    return DataLossError(fmt::format("op {} has an invalid builtin operator code ({})", index,
                                     op.builtin_code));
  op.version = code.version();
  op.type = OpTypeFromBuiltinCode(op.builtin_code);
  if (op.type == OpType::kCustom) {
    if (code.custom_code() == nullptr || code.custom_code()->size() == 0)
      return DataLossError(fmt::format("op {} is a custom op without a name", index));
    op.custom_code = code.custom_code()->str();
    op.custom_options = ToVector(fb_op.custom_options());
  }
  const std::string label = OpLabel(index, op);
  op.inputs = ToVector(fb_op.inputs());
  op.outputs = ToVector(fb_op.outputs());
  for (int32_t t : op.inputs)
    if (t < -1 || t >= static_cast<int64_t>(num_tensors))
      return DataLossError(fmt::format("{} reads tensor {}, but the subgraph has {} tensors", label, t, num_tensors));
  for (int32_t t : op.outputs)
    if (t < 0 || t >= static_cast<int64_t>(num_tensors))
      return DataLossError(fmt::format("{} writes tensor {}, but the subgraph has {} tensors", label, t, num_tensors));
  if (fb_op.intermediates() != nullptr && fb_op.intermediates()->size() > 0 &&
      op.type != OpType::kUnknownBuiltin && op.type != OpType::kCustom)
    return UnimplementedError(fmt::format("{} has intermediate tensors, which segpipe does not support", label));
  SEGPIPE_RETURN_IF_ERROR(ReadOptions(fb_op, label, op));
  return op;
}

StatusOr<std::vector<int32_t>> ReadTensorList(const flatbuffers::Vector<int32_t>* list,
                                              size_t num_tensors, const char* what) {
  std::vector<int32_t> out = ToVector(list);
  for (int32_t t : out)
    if (t < 0 || t >= static_cast<int64_t>(num_tensors))
      return DataLossError(fmt::format("model {} tensor {} is out of range (the subgraph has {} tensors)",
                                       what, t, num_tensors));
  return out;
}

}  // namespace

StatusOr<Model> ReadTflite(std::span<const uint8_t> bytes, const TfliteReadOptions& options) {
  if (bytes.empty()) return DataLossError("the file is empty; pass a .tflite model (re-export or re-download it)");
  if (bytes.size() < 8)
    return DataLossError(fmt::format("the file is truncated ({} bytes): not a TFLite model; pass a .tflite model", bytes.size()));
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return UnimplementedError("the file is 2 GiB or larger; segpipe reads smaller models only");
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), fb::ModelIdentifier()))
    return DataLossError(
        "not a TFLite model: the file lacks the 'TFL3' identifier (corrupt, or another format); "
        "pass a .tflite model");
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), kMaxVerifierDepth, kMaxVerifierTables);
  if (!fb::VerifyModelBuffer(verifier))
    return DataLossError(
        "the TFLite file is truncated or corrupt: its flatbuffer structure does not verify; "
        "re-export or re-download it");
  const fb::Model& fb_model = *fb::GetModel(bytes.data());
  if (!options.allow_edgetpu) SEGPIPE_RETURN_IF_ERROR(RefuseEdgeTpuModel(fb_model));
  if (fb_model.version() != 3)
    return UnimplementedError(fmt::format(
        "TFLite schema version {} is not supported (segpipe reads version 3)", fb_model.version()));
  if (fb_model.subgraphs() == nullptr || fb_model.subgraphs()->size() == 0)
    return DataLossError("the TFLite model has no subgraph");
  // Subgraph 0 is the one TFLite runs; others are only reachable through control-flow ops
  // (CALL, IF, WHILE, ...), which segpipe does not map, so those show up as unsupported ops.
  const fb::SubGraph& graph = *fb_model.subgraphs()->Get(0);

  Model model;
  if (fb_model.description() != nullptr) model.description = fb_model.description()->str();
  const size_t num_tensors = graph.tensors() == nullptr ? 0 : graph.tensors()->size();
  model.tensors.reserve(num_tensors);
  for (size_t t = 0; t < num_tensors; ++t) {
    SEGPIPE_ASSIGN_OR_RETURN(Tensor tensor, ReadTensor(fb_model, *graph.tensors()->Get(t), t));
    model.tensors.push_back(std::move(tensor));
  }
  SEGPIPE_ASSIGN_OR_RETURN(model.inputs, ReadTensorList(graph.inputs(), num_tensors, "input"));
  SEGPIPE_ASSIGN_OR_RETURN(model.outputs, ReadTensorList(graph.outputs(), num_tensors, "output"));
  const size_t num_ops = graph.operators() == nullptr ? 0 : graph.operators()->size();
  model.ops.reserve(num_ops);
  for (size_t i = 0; i < num_ops; ++i) {
    SEGPIPE_ASSIGN_OR_RETURN(Op op, ReadOp(fb_model, *graph.operators()->Get(i), i, num_tensors));
    model.ops.push_back(std::move(op));
  }
  // Axes that TFLite passes as constant inputs, copied into the options for kernels and tools.
  for (Op& op : model.ops) {
    if (op.type == OpType::kSplit && !op.inputs.empty())
      op.options.axis = ConstantScalar(model, op.inputs[0]).value_or(0);
    if (op.type == OpType::kArgMax && op.inputs.size() > 1)
      op.options.axis = ConstantScalar(model, op.inputs[1]).value_or(0);
  }
  SEGPIPE_RETURN_IF_ERROR(ValidateAndSortModel(model));
  return model;
}

StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  return segpipe::ReadFileBytes(path, "model file", kMaxInputFileBytes);
}

StatusOr<Model> ReadTfliteFile(const std::string& path, const TfliteReadOptions& options) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  StatusOr<Model> model = ReadTflite(bytes, options);
  if (!model.ok()) return model.status().WithContext(path);
  return model;
}

}  // namespace segpipe
