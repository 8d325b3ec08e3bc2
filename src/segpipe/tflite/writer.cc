// Graph IR -> TFLite flatbuffer; the inverse of reader.cc, using the same mapping tables.
#include "segpipe/tflite/internal/writer.h"

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <tuple>

#include "segpipe/core/internal/file_io.h"
#include "segpipe/tflite/internal/schema_generated.h"
#include "segpipe/tflite/internal/schema_mapping.h"

namespace segpipe {
namespace {

using namespace tflite_internal;  // NOLINT: fb:: and the mapping helpers

// TFLite readers address constant data in place; 16 bytes suits every SIMD load they use.
constexpr size_t kBufferAlignment = 16;
// deprecated_builtin_code is a byte: codes above this live only in builtin_code.
constexpr int32_t kMaxDeprecatedBuiltinCode = 127;

flatbuffers::Offset<void> WriteOptions(flatbuffers::FlatBufferBuilder& fbb, const Op& op) {
  const OpOptions& o = op.options;
  switch (op.type) {
    case OpType::kConv2D:
      return fb::CreateConv2DOptions(fbb, PaddingToFb(o.padding), o.stride_w, o.stride_h,
                                     ActivationToFb(o.activation), o.dilation_w, o.dilation_h)
          .Union();
    case OpType::kDepthwiseConv2D:
      return fb::CreateDepthwiseConv2DOptions(fbb, PaddingToFb(o.padding), o.stride_w, o.stride_h,
                                              o.depth_multiplier, ActivationToFb(o.activation),
                                              o.dilation_w, o.dilation_h)
          .Union();
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
      return fb::CreatePool2DOptions(fbb, PaddingToFb(o.padding), o.stride_w, o.stride_h,
                                     o.filter_w, o.filter_h, ActivationToFb(o.activation))
          .Union();
    case OpType::kFullyConnected:
      return fb::CreateFullyConnectedOptions(fbb, ActivationToFb(o.activation),
                                             fb::FullyConnectedOptionsWeightsFormat_DEFAULT,
                                             o.keep_dims)
          .Union();
    case OpType::kAdd:
      return fb::CreateAddOptions(fbb, ActivationToFb(o.activation)).Union();
    case OpType::kSub:
      return fb::CreateSubOptions(fbb, ActivationToFb(o.activation)).Union();
    case OpType::kMul:
      return fb::CreateMulOptions(fbb, ActivationToFb(o.activation)).Union();
    case OpType::kConcatenation:
      return fb::CreateConcatenationOptions(fbb, o.axis, ActivationToFb(o.activation)).Union();
    case OpType::kSoftmax:
      return fb::CreateSoftmaxOptions(fbb, o.beta).Union();
    case OpType::kReshape:
      return fb::CreateReshapeOptions(fbb, o.new_shape.empty() ? 0 : fbb.CreateVector(o.new_shape))
          .Union();
    case OpType::kSqueeze:
      return fb::CreateSqueezeOptions(
                 fbb, o.squeeze_dims.empty() ? 0 : fbb.CreateVector(o.squeeze_dims))
          .Union();
    case OpType::kSplit:
      return fb::CreateSplitOptions(fbb, o.num_splits).Union();
    case OpType::kMean:
      return fb::CreateReducerOptions(fbb, o.keep_dims).Union();
    case OpType::kResizeBilinear:
      return fb::CreateResizeBilinearOptions(fbb, o.align_corners, o.half_pixel_centers).Union();
    case OpType::kArgMax:
      return fb::CreateArgMaxOptions(fbb, TensorTypeFromDataType(o.output_type)).Union();
    case OpType::kPad:
      return fb::CreatePadOptions(fbb).Union();
    case OpType::kTranspose:
      return fb::CreateTransposeOptions(fbb).Union();
    case OpType::kQuantize:
      return fb::CreateQuantizeOptions(fbb).Union();
    case OpType::kDequantize:
      return fb::CreateDequantizeOptions(fbb).Union();
    case OpType::kHardSwish:
      return fb::CreateHardSwishOptions(fbb).Union();
    default:  // LOGISTIC, TANH, RELU, RELU6 have no options; unknown and custom ops: see header
      return 0;
  }
}

flatbuffers::Offset<fb::Tensor> WriteTensor(flatbuffers::FlatBufferBuilder& fbb,
                                            const Tensor& tensor, uint32_t buffer) {
  flatbuffers::Offset<fb::QuantizationParameters> quant = 0;
  if (!tensor.quant.empty())
    quant = fb::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(tensor.quant.scale),
                                             fbb.CreateVector(tensor.quant.zero_point),
                                             fb::QuantizationDetails_NONE, 0, tensor.quant.axis);
  return fb::CreateTensor(fbb, fbb.CreateVector(tensor.shape), TensorTypeFromDataType(tensor.type),
                          buffer, fbb.CreateString(tensor.name), quant, tensor.is_variable);
}

}  // namespace

StatusOr<std::vector<uint8_t>> WriteTflite(const Model& model) {
  {
    // The IR's rules are what make the file valid; check them on a copy (sorting is harmless).
    Model copy = model;
    Status status = ValidateAndSortModel(copy);
    if (!status.ok())
      return InvalidArgumentError(fmt::format("cannot write an invalid model: {}", status.message()));
  }
  for (size_t i = 0; i < model.ops.size(); ++i) {
    const Op& op = model.ops[i];
    const bool named = op.type == OpType::kUnknownBuiltin || op.type == OpType::kCustom;
    if (named && op.builtin_code < 0)
      return InvalidArgumentError(fmt::format("op {} has no builtin code to write", i));
    if (op.type == OpType::kCustom && op.custom_code.empty())
      return InvalidArgumentError(fmt::format("op {} is a custom op without a name", i));
  }

  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  buffers.push_back(fb::CreateBuffer(fbb));  // the empty sentinel
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  tensors.reserve(model.tensors.size());
  for (const Tensor& tensor : model.tensors) {
    uint32_t buffer = 0;
    if (tensor.is_constant) {
      fbb.ForceVectorAlignment(tensor.data.size(), sizeof(uint8_t), kBufferAlignment);
      auto data = fbb.CreateVector(tensor.data);
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(fbb, data));
    }
    tensors.push_back(WriteTensor(fbb, tensor, buffer));
  }

  // One operator code per (builtin code, custom name, version), in first-use order.
  std::map<std::tuple<int32_t, std::string, int32_t>, uint32_t> code_index;
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const Op& op : model.ops) {
    const int32_t builtin = (op.type == OpType::kUnknownBuiltin) ? op.builtin_code
                                                                 : BuiltinCodeFromOpType(op.type);
    const std::string custom = op.type == OpType::kCustom ? op.custom_code : std::string();
    auto [it, inserted] = code_index.try_emplace({builtin, custom, op.version},
                                                 static_cast<uint32_t>(codes.size()));
    if (inserted)
      codes.push_back(fb::CreateOperatorCode(
          fbb, static_cast<int8_t>(std::min(builtin, kMaxDeprecatedBuiltinCode)),
          custom.empty() ? 0 : fbb.CreateString(custom), op.version,
          static_cast<fb::BuiltinOperator>(builtin)));
    const fb::BuiltinOptions options_type =
        op.type == OpType::kUnknownBuiltin || op.type == OpType::kCustom ? fb::BuiltinOptions_NONE
                                                                         : OptionsTypeFor(op.type);
    flatbuffers::Offset<void> options = WriteOptions(fbb, op);
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> custom_options = 0;
    if (op.type == OpType::kCustom && !op.custom_options.empty())
      custom_options = fbb.CreateVector(op.custom_options);
    ops.push_back(fb::CreateOperator(fbb, it->second, fbb.CreateVector(op.inputs),
                                     fbb.CreateVector(op.outputs),
                                     options.IsNull() ? fb::BuiltinOptions_NONE : options_type,
                                     options, custom_options, fb::CustomOptionsFormat_FLEXBUFFERS));
  }

  auto subgraph = fb::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(model.inputs),
                                     fbb.CreateVector(model.outputs), fbb.CreateVector(ops),
                                     fbb.CreateString("main"));
  std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs = {subgraph};
  auto root = fb::CreateModel(fbb, /*version=*/3, fbb.CreateVector(codes),
                              fbb.CreateVector(subgraphs), fbb.CreateString(model.description),
                              fbb.CreateVector(buffers));
  fb::FinishModelBuffer(fbb, root);
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Status WriteTfliteFile(const Model& model, const std::string& path) {
  StatusOr<std::vector<uint8_t>> bytes = WriteTflite(model);
  if (!bytes.ok()) return bytes.status().WithContext(path);
  return WriteFileAtomically(path, *bytes);
}

}  // namespace segpipe
