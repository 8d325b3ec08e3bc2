// Reading .tflite files into the graph IR.
//
//   SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile("mobilenet_v2_1.0_224_quant.tflite"));
//
// The whole buffer is checked by the flatbuffers verifier before anything is read, then every
// index, size and buffer range is checked again against the graph's meaning, and the result goes
// through ValidateAndSortModel. Bad input never crashes: it becomes
//   NotFound       the file does not exist,
//   DataLoss       empty, truncated or corrupt file, or not a TFLite file at all,
//   Unimplemented  a valid file using something segpipe does not support: a model compiled for
//                  the Edge TPU (unless TfliteReadOptions::allow_edgetpu), sparse or
//                  non-numeric tensors, data stored outside the flatbuffer, schema versions
//                  other than 3.
// Builtin ops we do not map are kept as OpType::kUnknownBuiltin (with their builtin code) and
// custom ops as OpType::kCustom (with their name and raw options): reading succeeds, and tools
// list them; executing them is refused later. Only subgraph 0 is read (the one TFLite runs);
// none of the ops we map refers to other subgraphs. Thread-safe: no shared state.
#ifndef SEGPIPE_TFLITE_INTERNAL_READER_H_
#define SEGPIPE_TFLITE_INTERNAL_READER_H_

#include <cstdint>
#include <span>
#include <string>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

struct TfliteReadOptions {
  // Read a model compiled by edgetpu_compiler instead of refusing it: its edgetpu-custom-op ops
  // become OpType::kCustom ops (see edgetpu_package.h for what they hold). For inspection only;
  // nothing here can run them, so callers that execute or re-compile keep the default.
  bool allow_edgetpu = false;
};

StatusOr<Model> ReadTflite(std::span<const uint8_t> bytes, const TfliteReadOptions& options = {});

// Reads the file and calls ReadTflite; error messages start with the path.
StatusOr<Model> ReadTfliteFile(const std::string& path, const TfliteReadOptions& options = {});

// The raw bytes of a file (NotFound if missing, DataLoss if unreadable or a directory).
StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path);

}  // namespace segpipe

#endif  // SEGPIPE_TFLITE_INTERNAL_READER_H_
