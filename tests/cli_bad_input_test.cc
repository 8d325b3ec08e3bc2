// The bad-input matrix of the `segpipe` CLI: for each way a user can get the input wrong, the
// built binary must exit with the exit code of that kind of failure (ExitCodeFor, see
// docs/architecture.md), print exactly one line on stderr saying what is wrong and what to do,
// and not crash. One test per row. Rows run the real binary (SEGPIPE_CLI_PATH) in a scratch
// folder; models come from the shared corpus or are derived from it in the scratch folder.
#include <sys/mount.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

// jpeglib.h needs FILE and size_t declared first.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <jpeglib.h>

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
    std::string cmd = setenv_ + (setenv_.empty() ? "" : " ") + "'" + SEGPIPE_CLI_PATH + "'";
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

  // Runs with the environment prefix `env` (e.g. "SEGPIPE_FAIL_WRITES_AFTER_BYTES=10").
  CliResult RunWithEnv(const std::string& env, const std::vector<std::string>& args) const {
    setenv_ = env;
    CliResult r = Run(args);
    setenv_.clear();
    return r;
  }

  // Every file under the scratch folder with its bytes, to compare before and after a failure.
  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir_))
      if (e.is_regular_file() && e.path().filename() != "stdout.txt" &&
          e.path().filename() != "stderr.txt")
        files[fs::relative(e.path(), dir_).string()] = Slurp(e.path());
    return files;
  }

  // A width x height JPEG of one flat colour, in RGB (components 3) or CMYK (components 4).
  std::string WriteJpeg(const std::string& name, int width, int height, int components) const {
    const std::string path = Scratch(name);
    FILE* file = std::fopen(path.c_str(), "wb");
    jpeg_compress_struct info;
    jpeg_error_mgr error;
    info.err = jpeg_std_error(&error);
    jpeg_create_compress(&info);
    jpeg_stdio_dest(&info, file);
    info.image_width = static_cast<JDIMENSION>(width);
    info.image_height = static_cast<JDIMENSION>(height);
    info.input_components = components;
    info.in_color_space = components == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_start_compress(&info, TRUE);
    std::vector<uint8_t> row(static_cast<size_t>(width * components));
    for (size_t i = 0; i < row.size(); ++i) row[i] = static_cast<uint8_t>(i * 37);
    for (int y = 0; y < height; ++y) {
      JSAMPROW p = row.data();
      jpeg_write_scanlines(&info, &p, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    std::fclose(file);
    return path;
  }

  fs::path dir_;
  mutable std::string setenv_;
};

TEST_F(CliBadInputTest, MissingFile) {
  const CliResult r = Run({"inspect", Scratch("no_such_model.tflite")});
  ExpectOneLineError(r, StatusCode::kNotFound, {"no_such_model.tflite", "no such file", "check the path"});
}

TEST_F(CliBadInputTest, DirectoryInsteadOfFile) {
  const CliResult r = Run({"inspect", dir_.string()});
  ExpectOneLineError(r, StatusCode::kDataLoss,
                     {"is a directory", "model file", "pass the file itself"});
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
  ExpectOneLineError(r, StatusCode::kInvalidArgument,
                     {"gpu", "expected cpu, edgetpu or edgetpu-usb"});
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

// ---- Issue rows: crashes, limits, atomic writes, plan fingerprints, flags, inputs. ----

// Row 1: a directory where a file is expected is a clean DATA_LOSS, never an abort.
TEST_F(CliBadInputTest, RunInputIsADirectory) {
  const CliResult r = Run({"run", kMobileNet, "--input", dir_.string()});
  ExpectOneLineError(r, StatusCode::kDataLoss, {"is a directory", "input file"});
}

TEST_F(CliBadInputTest, ClassifyImageIsADirectory) {
  const CliResult r = Run({"classify", kMobileNet, dir_.string()});
  ExpectOneLineError(r, StatusCode::kDataLoss, {"is a directory", "image"});
}

// Row 2: sizes from the user are checked against a stated limit before anything is allocated.
TEST_F(CliBadInputTest, HugeBatchIsRefusedBeforeAllocating) {
  const CliResult r =
      Run({"run", kMobileNet, "--devices", "edgetpu:2", "--batch", "2000000000", "--simulate",
           "--queue-all"});
  ExpectOneLineError(r, StatusCode::kResourceExhausted, {"2000000000", "limit"});
}

TEST_F(CliBadInputTest, HugeSyntheticModelIsRefusedBeforeAllocating) {
  const CliResult r = Run({"synth", "fc", "--hidden", "100000000", "--calibration-inputs", "0",
                           "-o", Scratch("x.tflite")});
  ExpectOneLineError(r, StatusCode::kResourceExhausted, {"--hidden", "268435456"});
  EXPECT_FALSE(fs::exists(Scratch("x.tflite")));
}

TEST_F(CliBadInputTest, DeviceFileAsModel) {
  const CliResult r = Run({"inspect", "/dev/zero"});
  ExpectOneLineError(r, StatusCode::kDataLoss, {"/dev/zero", "not a regular file"});
}

// Row 3: a stateful op (the LSTM's cell) cannot be cut: exit 5 naming the op, in pipelines of
// either device kind and in compile -o, which must not turn the state into segment inputs.
TEST_F(CliBadInputTest, LstmPipelineNamesTheOp) {
  for (const char* devices : {"cpu:1", "edgetpu:1"}) {
    SCOPED_TRACE(devices);
    const CliResult r = Run({"run", kLstmModel, "--devices", devices, "--batch", "2"});
    ExpectOneLineError(r, StatusCode::kUnimplemented,
                       {"UNIDIRECTIONAL_SEQUENCE_LSTM", "keeps state"});
  }
}

TEST_F(CliBadInputTest, LstmCompileWritesNoSegments) {
  const CliResult r = Run({"compile", kLstmModel, "-o", Scratch("out")});
  ExpectOneLineError(r, StatusCode::kUnimplemented,
                     {"UNIDIRECTIONAL_SEQUENCE_LSTM", "keeps state"});
  EXPECT_TRUE(!fs::exists(Scratch("out")) || fs::is_empty(Scratch("out")));
}

// Row 6: a plan is bound to the bytes of its model, not only to its op count.
TEST_F(CliBadInputTest, PlanForAnotherModelIsRefused) {
  const std::string a = Scratch("fc300.tflite"), b = Scratch("fc310.tflite"),
                    plan = Scratch("p.json");
  ASSERT_EQ(Run({"synth", "fc", "--hidden", "300", "--calibration-inputs", "0", "-o", a}).exit_code,
            0);
  ASSERT_EQ(Run({"synth", "fc", "--hidden", "310", "--calibration-inputs", "0", "-o", b}).exit_code,
            0);
  ASSERT_EQ(Run({"plan", a, "--devices", "edgetpu:2", "-o", plan}).exit_code, 0);
  EXPECT_EQ(Run({"run", a, "--plan", plan, "--simulate", "--batch", "2"}).exit_code, 0);
  ExpectOneLineError(Run({"run", b, "--plan", plan, "--simulate", "--batch", "2"}),
                     StatusCode::kInvalidArgument, {"fc300.tflite", "fc310.tflite", "sha256"});
  ExpectOneLineError(Run({"compile", b, "--plan", plan}), StatusCode::kInvalidArgument,
                     {"fc300.tflite", "fc310.tflite"});
}

// Row 7: labels that do not match the model warn; a folder as the label file is an error.
TEST_F(CliBadInputTest, LabelCountMismatchWarns) {
  const std::string text = "zero\none\n";
  const std::string labels = WriteFile("two.txt", {text.begin(), text.end()});
  const std::string image = std::string(SEGPIPE_SHARED_DIR) + "/inputs/coral/cat.bmp";
  const CliResult r = Run({"classify", kMobileNet, image, "--labels", labels});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("warning"));
  EXPECT_THAT(r.err, HasSubstr("has 2 labels but the model scores 1001 classes"));
}

TEST_F(CliBadInputTest, LabelsDirectoryIsAnError) {
  const std::string image = std::string(SEGPIPE_SHARED_DIR) + "/inputs/coral/cat.bmp";
  ExpectOneLineError(Run({"classify", kMobileNet, image, "--labels", dir_.string()}),
                     StatusCode::kDataLoss, {"is a directory", "label file"});
}

// Row 8: a truncated JPEG is DATA_LOSS, with libjpeg's words in our one line.
TEST_F(CliBadInputTest, TruncatedJpeg) {
  const std::vector<uint8_t> whole = Bytes(WriteJpeg("whole.jpg", 128, 128, 3));
  ASSERT_EQ(Run({"classify", kMobileNet, Scratch("whole.jpg")}).exit_code, 0);
  const std::vector<uint8_t> half(whole.begin(),
                                  whole.begin() + static_cast<std::ptrdiff_t>(whole.size() / 2));
  ExpectOneLineError(Run({"classify", kMobileNet, WriteFile("t.jpg", half)}), StatusCode::kDataLoss,
                     {"t.jpg", "truncated or corrupt JPEG"});
}

// Row 16: a BMP cut inside its header is truncated (4), a CMYK JPEG is unsupported (5).
TEST_F(CliBadInputTest, HeaderOnlyBmpIsTruncated) {
  std::vector<uint8_t> bmp = Bytes(std::string(SEGPIPE_SHARED_DIR) + "/inputs/coral/cat.bmp");
  bmp.resize(54);
  bmp[14] = 124;  // a BITMAPV5HEADER that the file does not hold
  bmp[15] = bmp[16] = bmp[17] = 0;
  ExpectOneLineError(Run({"classify", kMobileNet, WriteFile("h.bmp", bmp)}), StatusCode::kDataLoss,
                     {"truncated", "124-byte header"});
}

TEST_F(CliBadInputTest, CmykJpegIsUnsupported) {
  ExpectOneLineError(Run({"classify", kMobileNet, WriteJpeg("cmyk.jpg", 16, 16, 4)}),
                     StatusCode::kUnimplemented, {"CMYK", "convert it to RGB"});
}

// Row 9: flags a pipeline would ignore are refused with the reason (--show and --input apply:
// cli_feedback_test; --repeat gives a pipeline's number of inputs, as --batch does).
TEST_F(CliBadInputTest, PipelineRefusesSingleModelFlags) {
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--kernels", "reference"},
                                                {"--threads", "4"}}) {
    std::vector<std::string> args = {"run", kSmallModel, "--devices", "cpu:2"};
    args.insert(args.end(), extra.begin(), extra.end());
    SCOPED_TRACE(extra[0]);
    ExpectOneLineError(Run(args), StatusCode::kInvalidArgument,
                       {extra[0], "has no effect here", "--devices"});
  }
  ExpectOneLineError(
      Run({"run", kSmallModel, "--devices", "cpu:2", "--repeat", "7", "--batch", "5"}),
      StatusCode::kInvalidArgument, {"--repeat and --batch", "drop one"});
}

// Row 11: the per-device column says what it is.
TEST_F(CliBadInputTest, AutoTableExplainsPerDevice) {
  const CliResult r = Run({"plan", kMobileNet, "--devices", "edgetpu:2", "--strategy", "auto"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("per-device: the layout's speedup over the whole model on one edgetpu"));
}

// Row 12: run --plan shows the plan's devices and refuses a conflicting --devices.
TEST_F(CliBadInputTest, RunPlanShowsItsDevicesAndRefusesOthers) {
  const std::string plan = Scratch("p.json");
  ASSERT_EQ(Run({"plan", kMobileNet, "--devices", "edgetpu:2", "-o", plan}).exit_code, 0);
  const CliResult ok = Run({"run", kMobileNet, "--plan", plan, "--simulate", "--batch", "2"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr(": edgetpu,edgetpu, split "));
  ExpectOneLineError(Run({"run", kMobileNet, "--plan", plan, "--devices", "cpu:3"}),
                     StatusCode::kInvalidArgument, {"--devices", "--plan fixes the devices"});
}

// Row 13: ranges in words.
TEST_F(CliBadInputTest, RangesInWords) {
  ExpectOneLineError(Run({"run", kSmallModel, "--batch", "0", "--devices", "cpu:1"}),
                     StatusCode::kInvalidArgument, {"--batch must be >= 1"});
  ExpectOneLineError(Run({"run", kSmallModel, "--repeat", "0"}), StatusCode::kInvalidArgument,
                     {"--repeat must be >= 1"});
  ExpectOneLineError(Run({"run", kSmallModel, "--show", "-1"}), StatusCode::kInvalidArgument,
                     {"--show must be >= 0"});
  const std::string image = std::string(SEGPIPE_SHARED_DIR) + "/inputs/coral/cat.bmp";
  const CliResult top = Run({"classify", kMobileNet, image, "--top", "0"});
  ExpectOneLineError(top, StatusCode::kInvalidArgument, {"--top must be >= 1"});
  EXPECT_THAT(top.err, ::testing::Not(HasSubstr("1797693")));
}

// Row 14: unknown subcommands are named with the closest one; split lengths name the devices.
TEST_F(CliBadInputTest, MisspelledSubcommandSuggestsTheClosest) {
  ExpectOneLineError(Run({"inpsect", kSmallModel}), StatusCode::kInvalidArgument,
                     {"unknown subcommand 'inpsect'", "did you mean 'inspect'"});
  ExpectOneLineError(Run({"synth", "rnn"}), StatusCode::kInvalidArgument,
                     {"unknown subcommand 'rnn' of 'segpipe synth'", "fc, conv, sweep"});
}

TEST_F(CliBadInputTest, SplitLengthNamesTheDevices) {
  ExpectOneLineError(Run({"run", kMobileNet, "--devices", "cpu:2", "--split", "3,5"}),
                     StatusCode::kInvalidArgument,
                     {"gives 3 segments", "--devices cpu:2 names 2 devices"});
}

// Row 15: flags that would be ignored in the combination given.
TEST_F(CliBadInputTest, PipelineFlagsWithoutDevices) {
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--split", "3"}, {"--batch", "4"}, {"--simulate"}}) {
    std::vector<std::string> args = {"run", kSmallModel};
    args.insert(args.end(), extra.begin(), extra.end());
    SCOPED_TRACE(extra[0]);
    ExpectOneLineError(Run(args), StatusCode::kInvalidArgument, {extra[0], "add --devices"});
  }
  ExpectOneLineError(Run({"run", kSmallModel, "--devices", ""}), StatusCode::kInvalidArgument,
                     {"--devices is empty"});
}

TEST_F(CliBadInputTest, PlanCompareOnlyFlags) {
  ExpectOneLineError(Run({"plan", kSmallModel, "--strategies", "uniform"}),
                     StatusCode::kInvalidArgument, {"--strategies", "add --compare"});
  ExpectOneLineError(Run({"plan", kSmallModel, "--pipeline-batch", "10"}),
                     StatusCode::kInvalidArgument, {"--pipeline-batch", "add --compare"});
  ExpectOneLineError(Run({"plan", kSmallModel, "--compare", "--rounds", "-1"}),
                     StatusCode::kInvalidArgument, {"--rounds must be >= 1"});
  ExpectOneLineError(Run({"plan", kSmallModel, "--compare", "-o", Scratch("p.json")}),
                     StatusCode::kInvalidArgument, {"-o", "writes none"});
  EXPECT_FALSE(fs::exists(Scratch("p.json")));
}

// Row 18: every output that cannot be written has one exit code (73), whatever the command.
TEST_F(CliBadInputTest, UnwritableOutputHasOneExitCode) {
  const std::string missing = Scratch("no/such/dir/out");
  ExpectOneLineError(
      Run({"synth", "fc", "--hidden", "100", "--calibration-inputs", "0", "-o", missing}),
      StatusCode::kWriteFailed, {"cannot write", "does not exist"});
  ExpectOneLineError(Run({"plan", kSmallModel, "--devices", "edgetpu:1", "-o", missing}),
                     StatusCode::kWriteFailed, {"cannot write"});
  // A file where a folder must be made.
  const std::string file = WriteFile("plain", {1, 2, 3});
  ExpectOneLineError(Run({"compile", kSmallModel, "-o", file + "/segs"}), StatusCode::kWriteFailed,
                     {"cannot create the folder"});
  EXPECT_EQ(ExitCodeFor(StatusCode::kWriteFailed), 73);
}

// Row 10 and "writes are atomic": an injected write failure (as a full disk gives) leaves the
// existing files byte for byte and no partial or temporary file, for single and multi-file
// outputs; writing over one's own input is refused.
TEST_F(CliBadInputTest, FailedWritesLeaveExistingFilesIntact) {
  const std::string model = Scratch("existing.tflite");
  ASSERT_EQ(
      Run({"synth", "fc", "--hidden", "200", "--calibration-inputs", "0", "-o", model}).exit_code,
      0);
  ASSERT_EQ(Run({"compile", model, "--segments", "3", "-o", Scratch("segs")}).exit_code, 0);
  ASSERT_EQ(Run({"plan", model, "--devices", "edgetpu:2", "-o", Scratch("plan.json")}).exit_code,
            0);
  const auto before = Snapshot();
  // The model, three segments, compile's README.txt and the plan.
  ASSERT_EQ(before.size(), 6u);

  const std::string fail = "SEGPIPE_FAIL_WRITES_AFTER_BYTES=1000";
  ExpectOneLineError(RunWithEnv(fail, {"synth", "fc", "--hidden", "300", "--calibration-inputs",
                                       "0", "-o", model}),
                     StatusCode::kWriteFailed, {"existing.tflite", "No space left on device"});
  // The first segment fits the budget, the second does not: none may change.
  const std::string fail_later =
      fmt::format("SEGPIPE_FAIL_WRITES_AFTER_BYTES={}",
                  fs::file_size(Scratch("segs/existing_segment_0_of_3.tflite")) + 10);
  ExpectOneLineError(RunWithEnv(fail_later, {"compile", model, "--segments", "3", "--split", "1,2",
                                             "-o", Scratch("segs")}),
                     StatusCode::kWriteFailed, {"No space left on device"});
  ExpectOneLineError(
      RunWithEnv(fail, {"plan", model, "--devices", "edgetpu:3", "-o", Scratch("plan.json")}),
      StatusCode::kWriteFailed, {"plan.json"});
  EXPECT_EQ(Snapshot(), before) << "a failed write changed or left files";

  ExpectOneLineError(Run({"plan", model, "--devices", "edgetpu:2", "-o", model}),
                     StatusCode::kInvalidArgument, {"also an input"});
  EXPECT_EQ(Snapshot(), before);
}

// The same on a real full file system, where the sandbox lets us mount a small tmpfs.
TEST_F(CliBadInputTest, FullTmpfsLeavesExistingFilesIntact) {
  const std::string mnt = Scratch("tmpfs");
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=200k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                 << "); the injected-error test covers this";
  const std::string model = mnt + "/existing.tflite";
  const CliResult small =
      Run({"synth", "fc", "--hidden", "100", "--calibration-inputs", "0", "-o", model});
  EXPECT_EQ(small.exit_code, 0) << small.err;
  const std::string old = Slurp(model);
  const CliResult big =
      Run({"synth", "fc", "--hidden", "300", "--calibration-inputs", "0", "-o", model});
  EXPECT_EQ(big.exit_code, ExitCodeFor(StatusCode::kWriteFailed)) << big.err;
  EXPECT_EQ(Slurp(model), old);
  EXPECT_EQ(std::distance(fs::directory_iterator(mnt), fs::directory_iterator()), 1);
  ::umount(mnt.c_str());
}

// Row 21: CPU stages have no Edge TPU parameter placement to print.
TEST_F(CliBadInputTest, CpuStagesPrintNoOnChipBytes) {
  const CliResult r = Run({"plan", kSmallModel, "--devices", "cpu:1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("on_chip_bytes")));
}

// Row 21: with only CPU stages and no --split, the split balances measured layer times instead
// of Edge TPU parameter bytes.
TEST_F(CliBadInputTest, CpuDefaultSplitBalancesMeasuredTime) {
  const CliResult r =
      Run({"run", kMobileNet, "--devices", "cpu:2", "--batch", "4", "--simulate", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string params = Run({"run", kMobileNet, "--devices", "cpu:2", "--split", "default",
                                  "--batch", "4", "--simulate", "--json"})
                                 .out;
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("\"split\": \"default\"")));
  EXPECT_THAT(params, HasSubstr("\"split\": \"default\""));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("on_chip_bytes")));
}

// `plan --svg` writes a well-formed SVG document with one group per stage.
// Well-formed as XML: tags nest and close, attribute values are quoted, text holds no raw '<'
// and every '&' starts an entity.
bool WellFormedXml(const std::string& xml, std::string* why) {
  std::vector<std::string> open;
  size_t i = 0;
  if (xml.rfind("<?xml", 0) == 0) i = xml.find("?>") + 2;
  while (i < xml.size()) {
    const size_t lt = xml.find('<', i);
    const std::string text = xml.substr(i, lt == std::string::npos ? std::string::npos : lt - i);
    for (size_t a = text.find('&'); a != std::string::npos; a = text.find('&', a + 1))
      if (text.find(';', a) == std::string::npos || text.find(';', a) - a > 6)
        return *why = "raw & in text", false;
    if (lt == std::string::npos) break;
    const size_t gt = xml.find('>', lt);
    if (gt == std::string::npos) return *why = "unterminated tag", false;
    std::string tag = xml.substr(lt + 1, gt - lt - 1);
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0)
      return *why = "unbalanced quotes in <" + tag + ">", false;
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1))
        return *why = "mismatched </" + tag.substr(1) + ">", false;
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    } else if (open.empty()) {
      return *why = "content after the root", false;
    }
    i = gt + 1;
  }
  if (!open.empty()) return *why = "<" + open.back() + "> is never closed", false;
  return true;
}

TEST_F(CliBadInputTest, PlanSvgIsWellFormed) {
  const std::string svg = Scratch("split.svg");
  const CliResult r = Run({"plan", kMobileNet, "--devices", "edgetpu:2", "--svg", svg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = Slurp(svg);
  std::string why;
  EXPECT_TRUE(WellFormedXml(text, &why)) << why << "\n" << text;
  EXPECT_THAT(text, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  size_t groups = 0;
  for (size_t at = text.find("<g class=\"stage\""); at != std::string::npos;
       at = text.find("<g class=\"stage\"", at + 1))
    ++groups;
  EXPECT_EQ(groups, 2u);
  EXPECT_THAT(text, HasSubstr("bottleneck"));
  EXPECT_THAT(text, HasSubstr("on-chip capacity"));
  std::string broken;
  EXPECT_FALSE(WellFormedXml("<svg><g></svg>", &broken));
}

// The rows above must not all share one code: scripts tell the kinds apart by exit code.
TEST(CliExitCodesTest, EachKindHasItsOwnExitCode) {
  const StatusCode kinds[] = {StatusCode::kInvalidArgument,    StatusCode::kNotFound,
                              StatusCode::kDataLoss,           StatusCode::kUnimplemented,
                              StatusCode::kFailedPrecondition, StatusCode::kResourceExhausted,
                              StatusCode::kWriteFailed};
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
