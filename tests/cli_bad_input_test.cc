// The bad-input matrix of the `segpipe` CLI: for each way a user can get the input wrong, the
// built binary must exit with the exit code of that kind of failure (ExitCodeFor, see
// docs/architecture.md), print exactly one line on stderr saying what is wrong and what to do,
// and not crash. One test per row. Rows run the real binary (SEGPIPE_CLI_PATH) in a scratch
// folder; models come from the shared corpus or are derived from it in the scratch folder.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "segpipe/core/status.h"

namespace segpipe {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kSmallModel = std::string(SEGPIPE_SHARED_DIR) + "/models/tflite_micro/hello_world_int8.tflite";
const std::string kMobileNet = std::string(SEGPIPE_SHARED_DIR) + "/models/coral/mobilenet_v1_0.25_128_quant.tflite";
const std::string kEdgeTpuModel =
    std::string(SEGPIPE_SHARED_DIR) + "/models/coral/mobilenet_v1_0.25_128_quant_edgetpu.tflite";
const std::string kLstmModel = std::string(SEGPIPE_SHARED_DIR) + "/models/coral/keras_lstm_mnist_ptq.tflite";
const std::string kFakeOpModel =
    std::string(SEGPIPE_SHARED_DIR) + "/models/coral/invalid_models__model_invoking_error.tflite";

struct CliResult {
  int exit_code = -1;  // -1 when killed by a signal (a crash)
  std::string out, err;
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class CliBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(SEGPIPE_BINARY_DIR) / "cli_bad_input" / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  std::string Scratch(const std::string& name) const { return (dir_ / name).string(); }

  std::string WriteFile(const std::string& name, const std::vector<uint8_t>& bytes) const {
    const std::string path = Scratch(name);
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Runs `segpipe args...` with stdout and stderr captured. Arguments are single-quoted for sh.
  CliResult Run(const std::vector<std::string>& args) const {
    std::string cmd = std::string("'") + SEGPIPE_CLI_PATH + "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    cmd += " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
    const int status = std::system(cmd.c_str());
    CliResult r;
    if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  // The contract of every row: the kind's exit code, one line on stderr naming the problem,
  // each of `phrases` in it (what is wrong, what to do).
  static void ExpectOneLineError(const CliResult& r, StatusCode kind,
                                 const std::vector<std::string>& phrases) {
    EXPECT_EQ(r.exit_code, ExitCodeFor(kind)) << "stderr: " << r.err;
    EXPECT_NE(r.exit_code, 0);
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.back(), '\n') << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line:\n" << r.err;
    EXPECT_THAT(r.err, ::testing::StartsWith("segpipe: error: "));
    for (const std::string& p : phrases) EXPECT_THAT(r.err, HasSubstr(p));
  }

  fs::path dir_;
};

TEST_F(CliBadInputTest, MissingFile) {
  const CliResult r = Run({"inspect", Scratch("no_such_model.tflite")});
  ExpectOneLineError(r, StatusCode::kNotFound, {"no_such_model.tflite", "no such file", "check the path"});
}

TEST_F(CliBadInputTest, DirectoryInsteadOfFile) {
  const CliResult r = Run({"inspect", dir_.string()});
  ExpectOneLineError(r, StatusCode::kDataLoss, {"is a directory", "model file", "pass the .tflite file itself"});
}

TEST_F(CliBadInputTest, EmptyFile) {
  const CliResult r = Run({"inspect", WriteFile("empty.tflite", {})});
  ExpectOneLineError(r, StatusCode::kDataLoss, {"empty.tflite", "empty", "pass a .tflite model"});
}

TEST_F(CliBadInputTest, TruncatedModel) {
  std::vector<uint8_t> bytes = Bytes(kMobileNet);
  ASSERT_GT(bytes.size(), 100000u);
  bytes.resize(bytes.size() / 2);
  const CliResult r = Run({"inspect", WriteFile("truncated.tflite", bytes)});
  ExpectOneLineError(r, StatusCode::kDataLoss, {"truncated.tflite", "truncated or corrupt", "re-export or re-download"});
}

TEST_F(CliBadInputTest, CorruptModel) {
  std::vector<uint8_t> bytes = Bytes(kSmallModel);
  ASSERT_GT(bytes.size(), 1000u);
  // The root table offset now points far outside the file.
  bytes[0] = 0xf0;
  bytes[1] = 0xff;
  bytes[2] = 0xff;
  bytes[3] = 0x7f;
  const CliResult r = Run({"inspect", WriteFile("corrupt.tflite", bytes)});
  ExpectOneLineError(r, StatusCode::kDataLoss, {"corrupt.tflite", "truncated or corrupt", "re-export or re-download"});
}

TEST_F(CliBadInputTest, NotATfliteFile) {
  const std::string text = "this is a text file, not a model\n";
  const CliResult r = Run({"inspect", WriteFile("notes.tflite", {text.begin(), text.end()})});
  ExpectOneLineError(r, StatusCode::kDataLoss, {"notes.tflite", "not a TFLite model", "pass a .tflite model"});
}

// inspect reads compiled models (tests/edgetpu_real_models_test.cc); running one is refused.
TEST_F(CliBadInputTest, EdgeTpuCompiledModel) {
  const CliResult r = Run({"run", kEdgeTpuModel});
  ExpectOneLineError(r, StatusCode::kUnimplemented,
                     {"compiled for the Edge TPU", "pass the .tflite file as it was before edgetpu_compiler"});
}

TEST_F(CliBadInputTest, EdgeTpuCompiledModelToCompile) {
  const CliResult r = Run({"compile", kEdgeTpuModel, "--segments", "2"});
  ExpectOneLineError(r, StatusCode::kUnimplemented, {"compiled for the Edge TPU"});
}

TEST_F(CliBadInputTest, ZeroSegments) {
  const CliResult r = Run({"compile", kMobileNet, "--segments", "0"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"segments"});
}

TEST_F(CliBadInputTest, MoreSegmentsThanLayers) {
  const CliResult r = Run({"compile", kSmallModel, "--segments", "1000"});
  ExpectOneLineError(r, StatusCode::kFailedPrecondition, {"1000", "segments", "use at most 3"});
}

TEST_F(CliBadInputTest, SplitListThatDoesNotCoverTheModel) {
  // hello_world has 3 layers: a cut after layer 7 cannot exist.
  const CliResult r = Run({"compile", kSmallModel, "--segments", "2", "--split", "7"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"7"});
}

TEST_F(CliBadInputTest, SplitListOfTheWrongLength) {
  const CliResult r = Run({"compile", kMobileNet, "--segments", "4", "--split", "2"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"gives 2 segments", "--segments is 4"});
}

TEST_F(CliBadInputTest, MalformedSplitList) {
  const CliResult r = Run({"compile", kMobileNet, "--segments", "2", "--split", "two"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"two"});
}

TEST_F(CliBadInputTest, UnsupportedBuiltinOp) {
  const CliResult r = Run({"run", kLstmModel, "--kernels", "reference"});
  ExpectOneLineError(r, StatusCode::kUnimplemented, {"UNIDIRECTIONAL_SEQUENCE_LSTM", "not supported", "segpipe inspect"});
}

TEST_F(CliBadInputTest, UnsupportedCustomOp) {
  const CliResult r = Run({"run", kFakeOpModel, "--kernels", "reference"});
  ExpectOneLineError(r, StatusCode::kUnimplemented, {"fake-op-double", "not supported", "segpipe inspect"});
}

TEST_F(CliBadInputTest, WrongImageFormatForClassify) {
  const std::string text = "GIF89a, or anything else that is not BMP, PNG or JPEG\n";
  const std::string image = WriteFile("image.gif", {text.begin(), text.end()});
  const CliResult r = Run({"classify", kMobileNet, image});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"image.gif", "not a BMP, PNG or JPEG image", "convert it"});
}

TEST_F(CliBadInputTest, ZeroDevices) {
  const CliResult r = Run({"plan", kMobileNet, "--devices", "edgetpu:0"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"edgetpu:0", "not a positive device count"});
}

TEST_F(CliBadInputTest, UnknownDeviceKind) {
  const CliResult r = Run({"plan", kMobileNet, "--devices", "gpu:2"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"gpu", "expected cpu or edgetpu"});
}

TEST_F(CliBadInputTest, ModelTooLargeForAnExhaustivePlan) {
  const CliResult r = Run({"plan", kMobileNet, "--strategy", "exhaustive", "--devices", "edgetpu:4",
                           "--max-partitions", "10"});
  ExpectOneLineError(r, StatusCode::kFailedPrecondition, {"--max-partitions", "--strategy optimal"});
}

// The paper's FC model at n = 3000: a hidden layer of 8.6 MiB, more than one Edge TPU caches, so
// no number of TPUs keeps every weight on chip.
TEST_F(CliBadInputTest, ModelTooLargeForAnyPlan) {
  const std::string model = Scratch("fc3000.tflite");
  ASSERT_EQ(Run({"synth", "fc", "--hidden", "3000", "--calibration-inputs", "0", "-o", model})
                .exit_code, 0);
  const CliResult r = Run({"plan", model, "--devices", "edgetpu:4", "--on-chip-only"});
  ExpectOneLineError(r, StatusCode::kFailedPrecondition,
                     {"too large for any plan", "layer 2", "drop --on-chip-only"});
}

TEST_F(CliBadInputTest, TooFewTpusToKeepEveryWeightOnChip) {
  const std::string model = Scratch("fc2620.tflite");
  ASSERT_EQ(Run({"synth", "fc", "--hidden", "2620", "--calibration-inputs", "0", "-o", model})
                .exit_code, 0);
  const CliResult r =
      Run({"plan", model, "--devices", "edgetpu:2", "--strategy", "auto", "--on-chip-only"});
  ExpectOneLineError(r, StatusCode::kFailedPrecondition,
                     {"2 Edge TPUs", "at least 3", "--devices edgetpu:3"});
}

TEST_F(CliBadInputTest, OnChipOnlyWithCpuDevices) {
  const CliResult r = Run({"plan", kMobileNet, "--devices", "cpu:2", "--on-chip-only"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"cpu:0", "--devices edgetpu:N"});
}

TEST_F(CliBadInputTest, UnknownFlag) {
  const CliResult r = Run({"inspect", kSmallModel, "--frobnicate"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"--frobnicate", "--help"});
}

TEST_F(CliBadInputTest, UnknownSubcommand) {
  const CliResult r = Run({"frobnicate", kSmallModel});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"subcommand", "--help"});
}

TEST_F(CliBadInputTest, MissingModelArgument) {
  const CliResult r = Run({"inspect"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"MODEL", "--help"});
}

TEST_F(CliBadInputTest, NonNumericSegmentCount) {
  const CliResult r = Run({"compile", kSmallModel, "--segments", "many"});
  ExpectOneLineError(r, StatusCode::kInvalidArgument, {"many", "--help"});
}

// The rows above must not all share one code: scripts tell the kinds apart by exit code.
TEST(CliExitCodesTest, EachKindHasItsOwnExitCode) {
  const StatusCode kinds[] = {StatusCode::kInvalidArgument, StatusCode::kNotFound,
                              StatusCode::kDataLoss,        StatusCode::kUnimplemented,
                              StatusCode::kFailedPrecondition, StatusCode::kResourceExhausted};
  for (StatusCode a : kinds) {
    EXPECT_NE(ExitCodeFor(a), 0);
    for (StatusCode b : kinds) {
      if (a != b) {
        EXPECT_NE(ExitCodeFor(a), ExitCodeFor(b));
      }
    }
  }
}

}  // namespace
}  // namespace segpipe
