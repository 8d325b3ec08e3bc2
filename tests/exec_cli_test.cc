// `segpipe run` and `segpipe classify` as a user calls them: outputs, JSON keys and exit codes.
#include <array>
#include <cstdio>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "segpipe/core/status.h"

namespace segpipe {
namespace {

using ::testing::HasSubstr;

struct Result {
  int exit_code;
  std::string out;  // stdout and stderr
};

Result Segpipe(const std::string& args) {
  const std::string cmd = std::string(SEGPIPE_BINARY_DIR) + "/segpipe " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  Result r{-1, {}};
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Shared(const std::string& path) { return std::string(SEGPIPE_SHARED_DIR) + "/" + path; }

TEST(ClassifyCommandTest, PrintsTopClassesAsJson) {
  const Result r = Segpipe("classify " + Shared("models/coral/mobilenet_v1_0.25_128_quant.tflite") + " " +
                           Shared("inputs/coral/cat.bmp") + " --labels " +
                           Shared("inputs/coral/imagenet_labels.txt") + " --top 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["top"].size(), 2u);
  EXPECT_EQ(j["top"][0]["id"], 283);
  EXPECT_EQ(j["top"][0]["label"], "tiger cat");
  EXPECT_GT(j["top"][0]["score"].get<double>(), 0.25);
}

TEST(RunCommandTest, ReportsOutputsLatencyAndGops) {
  const Result r = Segpipe("run " + Shared("models/tflite_micro/micro_speech_quantized.tflite") +
                           " --repeat 3 --kernels reference --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kernels"], "reference");
  EXPECT_EQ(j["outputs"].size(), 1u);
  EXPECT_EQ(j["outputs"][0]["digest"].get<std::string>().size(), 16u);
  EXPECT_LE(j["latency_ms"]["min"].get<double>(), j["latency_ms"]["p50"].get<double>());
  EXPECT_LE(j["latency_ms"]["p50"].get<double>(), j["latency_ms"]["p90"].get<double>());
  EXPECT_LE(j["latency_ms"]["p90"].get<double>(), j["latency_ms"]["p99"].get<double>());
  EXPECT_LE(j["latency_ms"]["p99"].get<double>(), j["latency_ms"]["max"].get<double>());
  EXPECT_GT(j["gops"].get<double>(), 0);
  // Same seed, same digest, whichever kernels run.
  const Result fast = Segpipe("run " + Shared("models/tflite_micro/micro_speech_quantized.tflite") +
                              " --repeat 1 --kernels fast --json");
  ASSERT_EQ(fast.exit_code, 0) << fast.out;
  EXPECT_EQ(nlohmann::json::parse(fast.out)["outputs"][0]["digest"], j["outputs"][0]["digest"]);
}

TEST(RunCommandTest, UnsupportedOpsAndMissingFilesFailWithTheirExitCodes) {
  Result r = Segpipe("run " + Shared("models/coral/keras_lstm_mnist_ptq.tflite"));
  EXPECT_EQ(r.exit_code, ExitCodeFor(StatusCode::kUnimplemented)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("UNIDIRECTIONAL_SEQUENCE_LSTM"));
  r = Segpipe("run " + Shared("models/coral/invalid_models__model_invoking_error.tflite"));
  EXPECT_EQ(r.exit_code, ExitCodeFor(StatusCode::kUnimplemented)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("fake-op-double"));
  r = Segpipe("classify " + Shared("models/coral/mobilenet_v1_0.25_128_quant.tflite") + " /nonexistent.bmp");
  EXPECT_EQ(r.exit_code, ExitCodeFor(StatusCode::kNotFound)) << r.out;
  r = Segpipe("run " + Shared("models/coral/tools__split_concat.tflite") + " --input /nonexistent.bin");
  EXPECT_EQ(r.exit_code, ExitCodeFor(StatusCode::kInvalidArgument)) << r.out;  // 3 inputs, 1 file
}

}  // namespace
}  // namespace segpipe
