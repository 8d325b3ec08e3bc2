// `segpipe synth` and `segpipe compile` end to end: the files they write, the compiler-style
// report and JSON, and exit codes on bad input.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "segpipe/core/status.h"
#include "segpipe/tflite/internal/reader.h"
#include "tflite_test_support.h"

namespace segpipe {
namespace {

using testing_support::RunCli;

namespace fs = std::filesystem;

fs::path WorkDir() {
  const fs::path dir = fs::path(SEGPIPE_BINARY_DIR) / "synth_compile_cli_test";
  fs::create_directories(dir);
  return dir;
}

TEST(SynthCompileCliTest, FcModelSplitsLikeThePapersTwoTpuRow) {
  const std::string model = (WorkDir() / "fc2020.tflite").string();
  int code = -1;
  std::string out = RunCli(fmt::format("synth fc --hidden 2020 --calibration-inputs 10 -o '{}'", model), &code);
  ASSERT_EQ(code, 0) << out;
  auto read = ReadTfliteFile(model);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->ops.size(), 9u);

  const fs::path segments = WorkDir() / "fc2020_segments";
  fs::remove_all(segments);
  out = RunCli(fmt::format("compile '{}' --segments 2 --split uniform -o '{}'", model,
                           segments.string()),
               &code);
  ASSERT_EQ(code, 0) << out;
  // fc_2tpu_default_batch1.csv, n = 2020: on chip [4.07, 4.07], off chip [0.0, 3.95].
  EXPECT_NE(out.find("On-chip memory used for caching model parameters: 4.07MiB"),
            std::string::npos) << out;
  EXPECT_NE(out.find("Off-chip memory used for streaming uncached model parameters: 0.00B"),
            std::string::npos) << out;
  EXPECT_NE(out.find("Off-chip memory used for streaming uncached model parameters: 3.95MiB"),
            std::string::npos) << out;
  for (int i = 0; i < 2; ++i) {
    auto seg = ReadTfliteFile((segments / fmt::format("fc2020_segment_{}_of_2.tflite", i)).string());
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    EXPECT_EQ(seg->ops.size(), i == 0 ? 4u : 5u);
  }

  out = RunCli(fmt::format("compile '{}' --segments 2 --split 2 --json", model), &code);
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  ASSERT_EQ(j["segments"].size(), 2u);
  EXPECT_EQ(j["segments"][0]["layers"], (std::vector<int>{1, 2}));
  EXPECT_EQ(j["segments"][1]["layers"], (std::vector<int>{3, 5}));
  EXPECT_EQ(j["segments"][1]["index"], 2);
  EXPECT_EQ(j["segments"][1]["off_chip_bytes"], 2020 * 2048);
  EXPECT_EQ(j["segments"][1]["on_chip_bytes"], 2020 * 2048 + 2020 * 64);
}

TEST(SynthCompileCliTest, ConvModelOnOneTpuMatchesThePaper) {
  const std::string model = (WorkDir() / "conv32.tflite").string();
  int code = -1;
  std::string out = RunCli(
      fmt::format("synth conv --filters 32 --calibration-inputs 2 -o '{}'", model), &code);
  ASSERT_EQ(code, 0) << out;
  out = RunCli(fmt::format("compile '{}' --json", model), &code);
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  // conv_1tpu.csv, f = 32: 0.074951171875 MiB on chip.
  EXPECT_EQ(j["segments"][0]["on_chip_bytes"], 78592);
  EXPECT_EQ(j["segments"][0]["off_chip_bytes"], 0);
}

TEST(SynthCompileCliTest, BadRequestsFailWithDistinctExitCodes) {
  const std::string model = (WorkDir() / "fc100.tflite").string();
  int code = -1;
  std::string out =
      RunCli(fmt::format("synth fc --hidden 100 --calibration-inputs 1 -o '{}'", model), &code);
  ASSERT_EQ(code, 0) << out;
  out = RunCli(fmt::format("compile '{}' --segments 6", model), &code);
  EXPECT_EQ(code, ExitCodeFor(StatusCode::kFailedPrecondition)) << out;
  EXPECT_NE(out.find("5 layers into 6 segments"), std::string::npos) << out;
  out = RunCli(fmt::format("compile '{}' --segments 2 --split 3,1", model), &code);
  EXPECT_EQ(code, ExitCodeFor(StatusCode::kInvalidArgument)) << out;
  out = RunCli(fmt::format("compile '{}' --segments 3 --split 2", model), &code);
  EXPECT_EQ(code, ExitCodeFor(StatusCode::kInvalidArgument)) << out;
  out = RunCli("compile /nonexistent/model.tflite", &code);
  EXPECT_EQ(code, ExitCodeFor(StatusCode::kNotFound)) << out;
  out = RunCli(fmt::format("synth fc --hidden 0 -o '{}'", model), &code);
  EXPECT_EQ(code, ExitCodeFor(StatusCode::kInvalidArgument)) << out;
  out = RunCli(fmt::format("synth sweep mlp -o '{}'", (WorkDir() / "sweep").string()), &code);
  EXPECT_EQ(code, ExitCodeFor(StatusCode::kInvalidArgument)) << out;
}

}  // namespace
}  // namespace segpipe
