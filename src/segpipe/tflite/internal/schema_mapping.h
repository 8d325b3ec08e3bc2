// Translation between the TFLite flatbuffer vocabulary (builtin codes, tensor types, options
// enums) and the graph IR, shared by the reader and the writer so both agree by construction.
#ifndef SEGPIPE_TFLITE_INTERNAL_SCHEMA_MAPPING_H_
#define SEGPIPE_TFLITE_INTERNAL_SCHEMA_MAPPING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "segpipe/model/model.h"
#include "segpipe/tflite/internal/schema_generated.h"

namespace segpipe::tflite_internal {

namespace fb = ::segpipe::tflite_fb;

// TFLite's BuiltinOperator value for CUSTOM, and the custom op an Edge TPU compiled model holds.
inline constexpr int32_t kCustomBuiltinCode = 32;
inline constexpr char kEdgeTpuCustomCode[] = "edgetpu-custom-op";

// The op type of a builtin code; kUnknownBuiltin for codes we do not map (kCustom for CUSTOM).
OpType OpTypeFromBuiltinCode(int32_t code);
// The builtin code of a mapped op type; -1 for kUnknownBuiltin (use Op::builtin_code).
int32_t BuiltinCodeFromOpType(OpType type);
// TFLite's name for a builtin code ("UNIDIRECTIONAL_SEQUENCE_LSTM"), or "builtin code N".
std::string BuiltinCodeName(int32_t code);

std::optional<DataType> DataTypeFromTensorType(int8_t type);
fb::TensorType TensorTypeFromDataType(DataType type);
// TFLite's name for a tensor type ("FLOAT16"), or "type N".
std::string TensorTypeName(int8_t type);

std::optional<Activation> ActivationFromFb(fb::ActivationFunctionType a);
fb::ActivationFunctionType ActivationToFb(Activation a);
std::optional<Padding> PaddingFromFb(fb::Padding p);
fb::Padding PaddingToFb(Padding p);

// The options union member TFLite uses for an op type (BuiltinOptions_NONE when it has none).
fb::BuiltinOptions OptionsTypeFor(OpType type);

}  // namespace segpipe::tflite_internal

#endif  // SEGPIPE_TFLITE_INTERNAL_SCHEMA_MAPPING_H_
