// Hand-off between segpipe and the real Edge TPU tools: segment file names as libcoral names
// them, the README that `compile -o DIR` writes (the edgetpu_compiler command for each segment
// and a pycoral PipelinedModelRunner snippet), and the check of compiled segments a user brings
// back against segpipe's prediction (`compile --check-compiled DIR`).
//
//   std::string name = SegmentFileName("mobilenet", 0, 2);  // mobilenet_segment_0_of_2.tflite
//   SEGPIPE_ASSIGN_OR_RETURN(std::vector<CompiledSegmentCheck> rows, CheckCompiledSegments(dir));
//   std::cout << FormatCompiledSegmentChecks(rows);
//
// Thread-safe; CheckCompiledSegments reads files.
#ifndef SEGPIPE_DEVICE_INTERNAL_EDGETPU_HANDOFF_H_
#define SEGPIPE_DEVICE_INTERNAL_EDGETPU_HANDOFF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_compiler.h"

namespace segpipe {

// "<stem>_segment_<k>_of_<n>.tflite", k from 0 (libcoral's partitioner names).
std::string SegmentFileName(const std::string& stem, int k, int n);
// The name edgetpu_compiler gives its output for `cpu_file`: "<name>_edgetpu.tflite".
std::string CompiledFileName(const std::string& cpu_file);

// DIR/README.txt for the segments of `model_path` written by `compile -o`.
std::string HandoffReadme(const std::string& model_path, const EdgeTpuCompilation& compilation);

// Writes the segments of `compilation` (made from `model`, read from `model_path`) into
// `out_dir` as CPU .tflite files named by SegmentFileName, with HandoffReadme as README.txt:
// all of them or none. Creates `out_dir`. Refuses a model that keeps state between inferences
// and an output path that is one of `inputs` (the files the caller read). Returns the segment
// files' paths, in segment order.
StatusOr<std::vector<std::string>> WriteCompiledSegments(
    const Model& model, const std::string& model_path, const EdgeTpuCompilation& compilation,
    const std::string& out_dir, const std::vector<std::string>& inputs = {});

// Predicted versus compiled bytes and CPU ops of one segment.
struct CompiledSegmentCheck {
  int k = 0, n = 0;      // segment k of n (k from 0, as in the file name)
  std::string cpu_file;  // file names inside the directory
  std::string compiled_file;
  int64_t predicted_on_chip_bytes = 0, predicted_off_chip_bytes = 0;
  std::vector<std::string> predicted_cpu_ops;
  bool compiled = false;  // the compiled file exists; the actual_* fields are set
  int64_t actual_on_chip_bytes = 0, actual_off_chip_bytes = 0;
  std::vector<std::string> actual_cpu_ops;
  std::string compiler_version;
};

// Reads every <stem>_segment_<k>_of_<n>.tflite in `dir` with its _edgetpu.tflite (when present).
// NotFound when `dir` holds no segment; errors of a file name it.
StatusOr<std::vector<CompiledSegmentCheck>> CheckCompiledSegments(const std::string& dir,
                                                                  const EdgeTpuSpec& spec);
std::string FormatCompiledSegmentChecks(const std::vector<CompiledSegmentCheck>& checks);

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_EDGETPU_HANDOFF_H_
