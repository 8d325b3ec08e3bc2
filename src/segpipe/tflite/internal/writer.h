// Writing the graph IR as .tflite files the TFLite runtime accepts.
//
//   SEGPIPE_ASSIGN_OR_RETURN(Model seg, ExtractSegment(model, 0, 10));
//   SEGPIPE_RETURN_IF_ERROR(WriteTfliteFile(seg, "segment0.tflite"));
//
// Writes schema version 3 with one subgraph: buffer 0 is the empty sentinel, each constant
// tensor gets its own 16-byte aligned buffer, operator codes are deduplicated and carry both
// builtin_code and deprecated_builtin_code (min(code, 127)), and every mapped op gets the options
// table TFLite expects. ReadTflite(WriteTflite(m)) == m for every model ReadTflite produced and
// every segment ExtractSegment cut from one.
// Ops we do not map (OpType::kUnknownBuiltin) are written with their builtin code but without
// builtin options, whose layout we do not know: such a file keeps the graph, not necessarily
// those ops' behaviour. Custom ops keep their raw options. Thread-safe: no shared state.
#ifndef SEGPIPE_TFLITE_INTERNAL_WRITER_H_
#define SEGPIPE_TFLITE_INTERNAL_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

// InvalidArgument when the model breaks the IR's rules (see ValidateAndSortModel).
StatusOr<std::vector<uint8_t>> WriteTflite(const Model& model);

// Writes the file (replacing it); errors name the path.
Status WriteTfliteFile(const Model& model, const std::string& path);

}  // namespace segpipe

#endif  // SEGPIPE_TFLITE_INTERNAL_WRITER_H_
