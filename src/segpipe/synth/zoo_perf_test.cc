// `synth zoo vgg16 --calibration-inputs 0` (138 M weights) is quick enough to run in a sweep:
// building, quantizing and writing the file take under 30 s.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "segpipe/synth/internal/zoo_models.h"
#include "segpipe/tflite/internal/writer.h"

namespace segpipe::synth {
namespace {

TEST(ZooPerfTest, Vgg16WithoutCalibrationTakesUnderThirtySeconds) {
  const auto start = std::chrono::steady_clock::now();
  ZooConfig config;
  config.name = "vgg16";
  config.calibration_inputs = 0;
  auto m = SynthesizeZoo(config);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const std::filesystem::path file =
      std::filesystem::path(SEGPIPE_BINARY_DIR) / "zoo_perf_test_vgg16.tflite";
  ASSERT_TRUE(WriteTfliteFile(m->model, file.string()).ok());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("synth zoo vgg16 --calibration-inputs 0: %.1f s\n", seconds);
  EXPECT_LT(seconds, 30.0);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace segpipe::synth
