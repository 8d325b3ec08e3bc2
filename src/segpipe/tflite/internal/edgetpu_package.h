// What edgetpu_compiler put into a compiled (*_edgetpu.tflite) model, read back from the file.
//
//   SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(path, {.allow_edgetpu = true}));
//   SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompiledModel compiled, ReadEdgeTpuCompiledModel(model));
//   int64_t cached = compiled.subgraphs[0].on_chip_bytes;
//
// The compiler replaces each run of ops it mapped by one custom op, `edgetpu-custom-op`, whose
// custom_options are a flexbuffer holding (under the key "1") a DarwiNN package: a flatbuffer
// with the file identifier "DWN1" (schema subset: edgetpu_package.fbs). The package carries the
// compiler version and one or more executables. A PARAMETER_CACHING executable holds the
// parameters cached in on-chip SRAM (loaded once); an EXECUTION_ONLY or STAND_ALONE executable
// holds those streamed from host memory on every invocation. Every op that is not an
// edgetpu-custom-op runs on the CPU.
//
// The file is untrusted: the flexbuffer and both nested flatbuffers are verified before they are
// read, and anything malformed is DataLoss naming the op. Pure functions; thread-safe.
#ifndef SEGPIPE_TFLITE_INTERNAL_EDGETPU_PACKAGE_H_
#define SEGPIPE_TFLITE_INTERNAL_EDGETPU_PACKAGE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

// An activation entering or leaving a compiled subgraph, as the executable describes it.
struct EdgeTpuLayer {
  std::string name;
  int64_t size_bytes = 0;  // padded, batch 1
  int32_t y_dim = 0, x_dim = 0, z_dim = 0;
};

struct EdgeTpuExecutable {
  std::string type;             // "STAND_ALONE", "PARAMETER_CACHING" or "EXECUTION_ONLY"
  int64_t parameter_bytes = 0;  // length of the parameter stream
  std::string chip;             // e.g. "beagle"
  int64_t estimated_cycles = 0;
  std::vector<EdgeTpuLayer> input_layers, output_layers;
};

// One DarwiNN package (the custom_options of one edgetpu-custom-op).
struct EdgeTpuPackage {
  std::string compiler_version;
  int32_t min_runtime_version = 0;
  std::vector<EdgeTpuExecutable> executables;
  int64_t on_chip_bytes = 0;   // parameters of the PARAMETER_CACHING executables
  int64_t off_chip_bytes = 0;  // parameters of the EXECUTION_ONLY / STAND_ALONE executables
};

// Parses the custom_options of an edgetpu-custom-op. DataLoss on any malformed layer.
StatusOr<EdgeTpuPackage> ParseEdgeTpuPackage(std::span<const uint8_t> custom_options);

struct EdgeTpuSubgraph {
  int op_index = 0;  // index of the edgetpu-custom-op in the model
  EdgeTpuPackage package;
  std::vector<std::string> input_tensors, output_tensors;  // tensor names in the TFLite graph
};

struct EdgeTpuCompiledModel {
  std::vector<EdgeTpuSubgraph> subgraphs;  // in op order
  // Display names (model/op_name.h OpDisplayName) of the ops left on the CPU, in op order.
  std::vector<std::string> cpu_ops;
  int64_t on_chip_bytes = 0;  // sums over subgraphs
  int64_t off_chip_bytes = 0;
  std::string compiler_version;  // of the first subgraph
};

// True when the model contains at least one edgetpu-custom-op.
bool IsEdgeTpuCompiled(const Model& model);

// Reads every edgetpu-custom-op of a model read with TfliteReadOptions::allow_edgetpu.
// FailedPrecondition for a model without one (a CPU model); DataLoss for a malformed package.
StatusOr<EdgeTpuCompiledModel> ReadEdgeTpuCompiledModel(const Model& model);

}  // namespace segpipe

#endif  // SEGPIPE_TFLITE_INTERNAL_EDGETPU_PACKAGE_H_
