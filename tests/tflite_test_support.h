// Helpers for tests that use real models and the real TFLite runtime: paths of the shared
// corpus, a small BMP decoder with TFLite's bilinear resize (the preprocessing the upstream
// tests use), and a runner for tests/node/tflite_run.mjs.
#ifndef SEGPIPE_TESTS_TFLITE_TEST_SUPPORT_H_
#define SEGPIPE_TESTS_TFLITE_TEST_SUPPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe::testing_support {

// Runs the built `segpipe` with `args` (already quoted for sh), stdout and stderr together;
// *exit_code is its exit status, -1 when it did not exit normally.
std::string RunCli(const std::string& args, int* exit_code);

// Every .tflite file under shared/models, sorted.
std::vector<std::string> CorpusModelPaths();
std::string SharedPath(const std::string& relative);  // SEGPIPE_SHARED_DIR/relative

struct Image {
  int width = 0, height = 0, channels = 0;  // channels: 3 (RGB) or 1 (grey)
  std::vector<uint8_t> pixels;              // row-major, top row first
};

// Uncompressed 24/32-bit (as RGB) or 8-bit paletted (as grey when the palette is grey) BMP.
StatusOr<Image> ReadBmp(const std::string& path);

// TFLite's RESIZE_BILINEAR with align_corners=false, half_pixel_centers=true, computed in float
// and truncated to uint8.
Image ResizeBilinear(const Image& image, int width, int height);

// Runs `model_path` in the TFLite WebAssembly runtime on each input set (input_sets[k][i] =
// raw bytes of model input i) and returns outputs[k][j] = raw bytes of output j. Installs the
// Node packages first (tests/node/ensure.sh). `work_dir` receives the exchanged files. Errors
// carry the tool's stderr.
StatusOr<std::vector<std::vector<std::vector<uint8_t>>>> RunReferenceRuntime(
    const std::string& model_path, const std::vector<std::vector<std::vector<uint8_t>>>& input_sets,
    const std::string& work_dir);

}  // namespace segpipe::testing_support

#endif  // SEGPIPE_TESTS_TFLITE_TEST_SUPPORT_H_
