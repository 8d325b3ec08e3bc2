// Tables between TFLite's enums and the graph IR's; see schema_mapping.h.
#include "segpipe/tflite/internal/schema_mapping.h"

#include <array>
#include <utility>

#include <fmt/format.h>

namespace segpipe::tflite_internal {
namespace {

struct OpMapping {
  OpType type;
  fb::BuiltinOperator code;
  fb::BuiltinOptions options;
};

constexpr std::array kOpMappings = {
    OpMapping{OpType::kConv2D, fb::BuiltinOperator_CONV_2D, fb::BuiltinOptions_Conv2DOptions},
    OpMapping{OpType::kDepthwiseConv2D, fb::BuiltinOperator_DEPTHWISE_CONV_2D,
              fb::BuiltinOptions_DepthwiseConv2DOptions},
    OpMapping{OpType::kFullyConnected, fb::BuiltinOperator_FULLY_CONNECTED,
              fb::BuiltinOptions_FullyConnectedOptions},
    OpMapping{OpType::kAdd, fb::BuiltinOperator_ADD, fb::BuiltinOptions_AddOptions},
    OpMapping{OpType::kMul, fb::BuiltinOperator_MUL, fb::BuiltinOptions_MulOptions},
    OpMapping{OpType::kSub, fb::BuiltinOperator_SUB, fb::BuiltinOptions_SubOptions},
    OpMapping{OpType::kAveragePool2D, fb::BuiltinOperator_AVERAGE_POOL_2D,
              fb::BuiltinOptions_Pool2DOptions},
    OpMapping{OpType::kMaxPool2D, fb::BuiltinOperator_MAX_POOL_2D, fb::BuiltinOptions_Pool2DOptions},
    OpMapping{OpType::kReshape, fb::BuiltinOperator_RESHAPE, fb::BuiltinOptions_ReshapeOptions},
    OpMapping{OpType::kSqueeze, fb::BuiltinOperator_SQUEEZE, fb::BuiltinOptions_SqueezeOptions},
    OpMapping{OpType::kSoftmax, fb::BuiltinOperator_SOFTMAX, fb::BuiltinOptions_SoftmaxOptions},
    OpMapping{OpType::kLogistic, fb::BuiltinOperator_LOGISTIC, fb::BuiltinOptions_NONE},
    OpMapping{OpType::kTanh, fb::BuiltinOperator_TANH, fb::BuiltinOptions_NONE},
    OpMapping{OpType::kRelu, fb::BuiltinOperator_RELU, fb::BuiltinOptions_NONE},
    OpMapping{OpType::kRelu6, fb::BuiltinOperator_RELU6, fb::BuiltinOptions_NONE},
    OpMapping{OpType::kHardSwish, fb::BuiltinOperator_HARD_SWISH, fb::BuiltinOptions_HardSwishOptions},
    OpMapping{OpType::kQuantize, fb::BuiltinOperator_QUANTIZE, fb::BuiltinOptions_QuantizeOptions},
    OpMapping{OpType::kDequantize, fb::BuiltinOperator_DEQUANTIZE,
              fb::BuiltinOptions_DequantizeOptions},
    OpMapping{OpType::kConcatenation, fb::BuiltinOperator_CONCATENATION,
              fb::BuiltinOptions_ConcatenationOptions},
    OpMapping{OpType::kSplit, fb::BuiltinOperator_SPLIT, fb::BuiltinOptions_SplitOptions},
    OpMapping{OpType::kMean, fb::BuiltinOperator_MEAN, fb::BuiltinOptions_ReducerOptions},
    OpMapping{OpType::kPad, fb::BuiltinOperator_PAD, fb::BuiltinOptions_PadOptions},
    OpMapping{OpType::kResizeBilinear, fb::BuiltinOperator_RESIZE_BILINEAR,
              fb::BuiltinOptions_ResizeBilinearOptions},
    OpMapping{OpType::kArgMax, fb::BuiltinOperator_ARG_MAX, fb::BuiltinOptions_ArgMaxOptions},
    OpMapping{OpType::kTranspose, fb::BuiltinOperator_TRANSPOSE, fb::BuiltinOptions_TransposeOptions},
};

}  // namespace

OpType OpTypeFromBuiltinCode(int32_t code) {
  if (code == kCustomBuiltinCode) return OpType::kCustom;
  for (const OpMapping& m : kOpMappings)
    if (static_cast<int32_t>(m.code) == code) return m.type;
  return OpType::kUnknownBuiltin;
}

int32_t BuiltinCodeFromOpType(OpType type) {
  if (type == OpType::kCustom) return kCustomBuiltinCode;
  for (const OpMapping& m : kOpMappings)
    if (m.type == type) return static_cast<int32_t>(m.code);
  return -1;
}

std::string BuiltinCodeName(int32_t code) {
  if (code >= fb::BuiltinOperator_MIN && code <= fb::BuiltinOperator_MAX)
    return fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(code));
  return fmt::format("builtin code {}", code);
}

std::optional<DataType> DataTypeFromTensorType(int8_t type) {
  switch (static_cast<fb::TensorType>(type)) {
    case fb::TensorType_FLOAT32: return DataType::kFloat32;
    case fb::TensorType_INT8: return DataType::kInt8;
    case fb::TensorType_UINT8: return DataType::kUInt8;
    case fb::TensorType_INT16: return DataType::kInt16;
    case fb::TensorType_INT32: return DataType::kInt32;
    case fb::TensorType_INT64: return DataType::kInt64;
    case fb::TensorType_BOOL: return DataType::kBool;
    default: return std::nullopt;
  }
}

fb::TensorType TensorTypeFromDataType(DataType type) {
  switch (type) {
    case DataType::kFloat32: return fb::TensorType_FLOAT32;
    case DataType::kInt8: return fb::TensorType_INT8;
    case DataType::kUInt8: return fb::TensorType_UINT8;
    case DataType::kInt16: return fb::TensorType_INT16;
    case DataType::kInt32: return fb::TensorType_INT32;
    case DataType::kInt64: return fb::TensorType_INT64;
    case DataType::kBool: return fb::TensorType_BOOL;
  }
  return fb::TensorType_FLOAT32;
}

std::string TensorTypeName(int8_t type) {
  if (type >= fb::TensorType_MIN && type <= fb::TensorType_MAX)
    return fb::EnumNameTensorType(static_cast<fb::TensorType>(type));
  return fmt::format("type {}", type);
}

std::optional<Activation> ActivationFromFb(fb::ActivationFunctionType a) {
  switch (a) {
    case fb::ActivationFunctionType_NONE: return Activation::kNone;
    case fb::ActivationFunctionType_RELU: return Activation::kRelu;
    case fb::ActivationFunctionType_RELU_N1_TO_1: return Activation::kReluN1To1;
    case fb::ActivationFunctionType_RELU6: return Activation::kRelu6;
    case fb::ActivationFunctionType_TANH: return Activation::kTanh;
    case fb::ActivationFunctionType_SIGN_BIT: return Activation::kSignBit;
  }
  return std::nullopt;
}

fb::ActivationFunctionType ActivationToFb(Activation a) {
  switch (a) {
    case Activation::kNone: return fb::ActivationFunctionType_NONE;
    case Activation::kRelu: return fb::ActivationFunctionType_RELU;
    case Activation::kReluN1To1: return fb::ActivationFunctionType_RELU_N1_TO_1;
    case Activation::kRelu6: return fb::ActivationFunctionType_RELU6;
    case Activation::kTanh: return fb::ActivationFunctionType_TANH;
    case Activation::kSignBit: return fb::ActivationFunctionType_SIGN_BIT;
  }
  return fb::ActivationFunctionType_NONE;
}

std::optional<Padding> PaddingFromFb(fb::Padding p) {
  switch (p) {
    case fb::Padding_SAME: return Padding::kSame;
    case fb::Padding_VALID: return Padding::kValid;
  }
  return std::nullopt;
}

fb::Padding PaddingToFb(Padding p) {
  return p == Padding::kValid ? fb::Padding_VALID : fb::Padding_SAME;
}

fb::BuiltinOptions OptionsTypeFor(OpType type) {
  for (const OpMapping& m : kOpMappings)
    if (m.type == type) return m.options;
  return fb::BuiltinOptions_NONE;
}

}  // namespace segpipe::tflite_internal
