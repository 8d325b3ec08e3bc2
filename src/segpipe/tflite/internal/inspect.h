// What `segpipe inspect` shows about a model: per op (in topological order) its type, output
// shape, MACs, weight bytes and quantization kind; totals; the model's inputs and outputs with
// their quantization; ops segpipe cannot execute, by name. Built from a Model, printed as a
// table for people or as JSON for scripts (stable keys, see FormatSummaryJson).
#ifndef SEGPIPE_TFLITE_INTERNAL_INSPECT_H_
#define SEGPIPE_TFLITE_INTERNAL_INSPECT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "segpipe/model/model.h"
#include "segpipe/model/internal/op_name.h"  // OpDisplayName
#include "segpipe/tflite/internal/edgetpu_package.h"

namespace segpipe {

struct OpSummary {
  int index = 0;
  std::string type;  // "CONV_2D"; unmapped builtins by TFLite's name; custom ops "CUSTOM(name)"
  bool supported = true;  // false for unmapped builtins and custom ops
  std::vector<std::vector<int32_t>> output_shapes;  // one per output
  int64_t macs = 0;
  int64_t weight_bytes = 0;
  // Quantization kind of the weights for ops with a constant weight input (where per-channel
  // quantization lives), of output 0 otherwise: "uint8 per-tensor", "int8 per-channel", ...
  std::string quantization;
};

struct TensorSummary {
  int32_t index = 0;  // tensor index in the model
  std::string name;
  DataType type = DataType::kFloat32;
  std::vector<int32_t> shape;
  std::string quantization;          // QuantizationKind
  Quantization quant;                // the parameters themselves
};

struct ModelSummary {
  std::string description;
  std::vector<OpSummary> ops;
  int64_t total_macs = 0;
  int64_t total_weight_bytes = 0;       // sum of the ops' weight bytes
  std::map<std::string, int> op_counts;  // by OpSummary::type
  std::vector<std::string> unsupported_ops;  // distinct types of unsupported ops, sorted
  std::vector<TensorSummary> inputs, outputs;
  // For a model compiled by edgetpu_compiler: what each compiled subgraph holds and which ops
  // stay on the CPU (see edgetpu_package.h). Set by the caller, who reads it from the model.
  std::optional<EdgeTpuCompiledModel> edgetpu;
};

ModelSummary SummarizeModel(const Model& model);

// The human-readable report: a table of ops, totals, op counts, inputs and outputs.
std::string FormatSummaryText(const ModelSummary& summary);

// JSON with the stable keys:
//   ops[]:   index, type, supported, macs, weight_bytes, output_shape (output 0),
//            output_shapes (all), quantization
//   totals:  ops, macs, weight_bytes, op_counts {type: n}, unsupported_ops [type]
//   inputs[], outputs[]: index, name, type, shape, quantization, scale [], zero_point [], axis
//   edgetpu (compiled models only): compiler_version, on_chip_bytes, off_chip_bytes,
//            cpu_ops [type], subgraphs[]: op_index, compiler_version, on_chip_bytes,
//            off_chip_bytes, inputs [tensor name], outputs [tensor name],
//            executables[]: type, parameter_bytes, chip, estimated_cycles,
//            input_layers[], output_layers[]: name, size_bytes, shape [y, x, z]
std::string FormatSummaryJson(const ModelSummary& summary);

}  // namespace segpipe

#endif  // SEGPIPE_TFLITE_INTERNAL_INSPECT_H_
