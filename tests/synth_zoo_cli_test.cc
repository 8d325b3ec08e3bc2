// `segpipe synth zoo` end to end: --list, the file it writes, and one-line errors with a
// non-zero exit code on bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "segpipe/tflite/internal/reader.h"
#include "tflite_test_support.h"

namespace segpipe {
namespace {

using testing_support::RunCli;

TEST(SynthZooCliTest, ListsTheNames) {
  int rc = -1;
  const std::string out = RunCli("synth zoo --list", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out,
            "mobilenet_v1\nmobilenet_v2\ninception_v1\ninception_v4\nresnet50_v1\nresnet50_v2\n"
            "resnet152_v2\nvgg16\nvgg19\ndensenet121\nsqueezenet\n");
}

TEST(SynthZooCliTest, WritesTheModelAtTheRequestedSize) {
  const std::filesystem::path file =
      std::filesystem::path(SEGPIPE_BINARY_DIR) / "synth_zoo_cli_test_mobilenet_v2.tflite";
  int rc = -1;
  const std::string out = RunCli(
      "synth zoo mobilenet_v2 --input-size 96 --classes 10 "
      "--calibration-inputs 0 -o " +
          file.string(),
      &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("parameters"), std::string::npos) << out;
  auto model = ReadTfliteFile(file.string());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->tensor(model->inputs[0]).shape, (std::vector<int32_t>{1, 96, 96, 3}));
  EXPECT_EQ(model->tensor(model->outputs[0]).shape, (std::vector<int32_t>{1, 10}));
  std::filesystem::remove(file);
}

TEST(SynthZooCliTest, BadInputGivesOneLineAndANonZeroExitCode) {
  for (const char* args : {"synth zoo alexnet -o /tmp/x.tflite", "synth zoo vgg16",
                           "synth zoo inception_v4 --input-size 40 -o /tmp/x.tflite",
                           "synth zoo squeezenet --classes 0 -o /tmp/x.tflite"}) {
    int rc = -1;
    const std::string out = RunCli(args, &rc);
    EXPECT_NE(rc, 0) << args;
    EXPECT_NE(rc, -1) << args << ": crashed";
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << args << ": " << out;
  }
}

}  // namespace
}  // namespace segpipe
