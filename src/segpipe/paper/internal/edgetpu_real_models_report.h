// The "Real models" section of docs/edgetpu-model.md: the placement rules for real layers and,
// for every training pair (a CPU model and what edgetpu_compiler made of it), segpipe's
// prediction (`compile --segments 1`) beside the compiler's own numbers read from the compiled
// file. Every number comes from the files; the section cannot go stale.
#ifndef SEGPIPE_PAPER_INTERNAL_EDGETPU_REAL_MODELS_REPORT_H_
#define SEGPIPE_PAPER_INTERNAL_EDGETPU_REAL_MODELS_REPORT_H_

#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_model.h"

namespace segpipe {

// Stems of the training pairs: <dir>/<stem>.tflite and <dir>/<stem>_edgetpu.tflite.
const std::vector<std::string>& EdgeTpuTrainingPairs();

// Where `segpipe calibrate` finds them, relative to the repository root it runs from (as its
// --measured default is).
inline constexpr char kEdgeTpuTrainingPairsDir[] = "../shared/models/coral";

struct RealModelComparison {
  std::string stem;
  int64_t predicted_on_chip_bytes = 0, predicted_off_chip_bytes = 0;
  int64_t compiler_on_chip_bytes = 0, compiler_off_chip_bytes = 0;
  std::vector<std::string> predicted_cpu_ops, compiler_cpu_ops;
};
StatusOr<std::vector<RealModelComparison>> CompareWithCompiler(const std::string& dir,
                                                               const EdgeTpuSpec& spec);

// Where the training pairs are: `dir`, or for the default when it does not resolve from the
// working directory, the checkout's shared directory the build was configured with.
std::string RealModelsDir(const std::string& dir);

// Markdown (paths shown as given in `dir`), starting with a blank line and "## Real models"; a
// one-paragraph note when the files are missing.
std::string RealModelsReportMarkdown(const std::string& dir, const EdgeTpuSpec& spec);

}  // namespace segpipe

#endif  // SEGPIPE_PAPER_INTERNAL_EDGETPU_REAL_MODELS_REPORT_H_
