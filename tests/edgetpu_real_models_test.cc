// The Edge TPU model against what edgetpu_compiler did to real models: the training pairs in
// shared/models/coral (CPU model + its _edgetpu.tflite). `inspect` must report the compiled
// files' bytes and CPU ops exactly; `compile --segments 1` must predict them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/tflite/internal/edgetpu_package.h"
#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/reader.h"
#include "tflite_test_support.h"

namespace segpipe {
namespace {

using ::testing::HasSubstr;
using testing_support::RunCli;
using testing_support::SharedPath;

struct CompiledFacts {
  std::string stem;
  int64_t on_chip_bytes;  // from the compiled file (the compiler's own numbers)
  int64_t off_chip_bytes;
  std::vector<std::string> cpu_ops;
};

const std::vector<CompiledFacts>& TrainingPairs() {
  static const std::vector<CompiledFacts> kPairs = {
      {"mobilenet_v1_0.25_128_quant", 566912, 0, {}},
      {"mobilenet_v1_0.5_160_quant", 1473280, 0, {}},
      {"deeplabv3_mnv2_dm05_pascal_quant",
       766720,
       0,
       {"RESIZE_BILINEAR", "QUANTIZE", "CONCATENATION", "CONV_2D", "CONV_2D", "RESIZE_BILINEAR",
        "RESIZE_BILINEAR", "ARG_MAX"}},
      {"keras_lstm_mnist_ptq", 43968, 576, {}},
      {"tools__split_concat", 192, 0, {}},
      {"posenet__posenet_mobilenet_v1_075_353_481_16_quant_decoder",
       1444608,
       0,
       {"CUSTOM(PosenetDecoderOp)"}},
  };
  return kPairs;
}

std::string CpuPath(const CompiledFacts& f) {
  return SharedPath("models/coral/" + f.stem + ".tflite");
}
std::string CompiledPath(const CompiledFacts& f) {
  return SharedPath("models/coral/" + f.stem + "_edgetpu.tflite");
}

TEST(EdgeTpuRealModelsTest, ReadsTheCompilersBytesAndCpuOps) {
  for (const CompiledFacts& f : TrainingPairs()) {
    SCOPED_TRACE(f.stem);
    StatusOr<Model> model = ReadTfliteFile(CompiledPath(f), {.allow_edgetpu = true});
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    StatusOr<EdgeTpuCompiledModel> compiled = ReadEdgeTpuCompiledModel(*model);
    ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
    ASSERT_EQ(compiled->subgraphs.size(), 1u);
    EXPECT_EQ(compiled->on_chip_bytes, f.on_chip_bytes);
    EXPECT_EQ(compiled->off_chip_bytes, f.off_chip_bytes);
    EXPECT_EQ(compiled->cpu_ops, f.cpu_ops);
    bool has_caching = false;
    for (const EdgeTpuExecutable& e : compiled->subgraphs[0].package.executables)
      has_caching = has_caching || e.type == "PARAMETER_CACHING";
    EXPECT_TRUE(has_caching);
  }
}

TEST(EdgeTpuRealModelsTest, InspectJsonCarriesTheEdgeTpuSection) {
  const CompiledFacts& f = TrainingPairs()[2];  // DeepLab: CPU ops and two outputs
  int code = 0;
  const std::string out = RunCli("inspect --json " + CompiledPath(f), &code);
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  ASSERT_TRUE(j.contains("edgetpu"));
  const nlohmann::json& e = j["edgetpu"];
  EXPECT_EQ(e["cpu_ops"], f.cpu_ops);
  ASSERT_EQ(e["subgraphs"].size(), 1u);
  EXPECT_EQ(e["subgraphs"][0]["on_chip_bytes"], f.on_chip_bytes);
  EXPECT_EQ(e["subgraphs"][0]["off_chip_bytes"], f.off_chip_bytes);
  EXPECT_EQ(e["subgraphs"][0]["executables"].size(), 2u);
  EXPECT_TRUE(e.contains("compiler_version"));

  const std::string text = RunCli("inspect " + CompiledPath(f), &code);
  ASSERT_EQ(code, 0) << text;
  EXPECT_THAT(text, HasSubstr("PARAMETER_CACHING"));
  EXPECT_THAT(text, HasSubstr("ops on the CPU: RESIZE_BILINEAR, QUANTIZE"));
}

TEST(EdgeTpuRealModelsTest, CompileMapsOpsAsTheCompilerDid) {
  for (const CompiledFacts& f : TrainingPairs()) {
    SCOPED_TRACE(f.stem);
    int code = 0;
    const std::string out = RunCli("compile --segments 1 --json " + CpuPath(f), &code);
    ASSERT_EQ(code, 0) << out;
    const nlohmann::json j = nlohmann::json::parse(out);
    EXPECT_EQ(j["cpu_ops"], f.cpu_ops);
    ASSERT_EQ(j["segments"].size(), 1u);
    EXPECT_EQ(j["segments"][0]["cpu_ops"], f.cpu_ops);
  }
}

TEST(EdgeTpuRealModelsTest, CompilePredictsTheCompilersBytes) {
  for (const CompiledFacts& f : TrainingPairs()) {
    SCOPED_TRACE(f.stem);
    int code = 0;
    const std::string out = RunCli("compile --segments 1 --json " + CpuPath(f), &code);
    ASSERT_EQ(code, 0) << out;
    const nlohmann::json j = nlohmann::json::parse(out);
    const int64_t on_chip = j["segments"][0]["on_chip_bytes"];
    const int64_t off_chip = j["segments"][0]["off_chip_bytes"];
    auto tolerance = [](int64_t actual) {
      return std::max<double>(0.03 * 1024 * 1024, 0.01 * static_cast<double>(actual));
    };
    EXPECT_LE(std::abs(static_cast<double>(on_chip - f.on_chip_bytes)), tolerance(f.on_chip_bytes))
        << "predicted " << on_chip << ", compiler " << f.on_chip_bytes;
    EXPECT_LE(std::abs(static_cast<double>(off_chip - f.off_chip_bytes)),
              tolerance(f.off_chip_bytes))
        << "predicted " << off_chip << ", compiler " << f.off_chip_bytes;
  }
}

TEST(EdgeTpuRealModelsTest, CompileReportsTheOperationTable) {
  int code = 0;
  const std::string out =
      RunCli("compile --segments 1 " + CpuPath(TrainingPairs()[5]), &code);  // PoseNet
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("Operator"));
  EXPECT_THAT(out, HasSubstr("Count"));
  EXPECT_THAT(out, HasSubstr("Status"));
  EXPECT_THAT(out, HasSubstr("Mapped to Edge TPU"));
  EXPECT_THAT(out, HasSubstr("CUSTOM(PosenetDecoderOp)"));
  EXPECT_THAT(out, HasSubstr("Number of operations that will run on CPU: 1"));
}

TEST(EdgeTpuRealModelsTest, UnknownCustomOpsAreCpuOps) {
  int code = 0;
  const std::string model = SharedPath("models/coral/invalid_models__model_invoking_error.tflite");
  const std::string out = RunCli("compile --segments 1 --json " + model, &code);
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["segments"][0]["edgetpu_ops"], 0);
  EXPECT_EQ(j["cpu_ops"], std::vector<std::string>{"CUSTOM(fake-op-double)"});
  // Nothing pretends the Edge TPU runs it.
  const std::string run = RunCli("run " + model + " --devices edgetpu:1", &code);
  EXPECT_NE(code, 0) << run;
  EXPECT_THAT(run, HasSubstr("fake-op-double"));
}

TEST(EdgeTpuRealModelsTest, WritesLibcoralNamesReadmeAndChecksCompiledSegments) {
  const std::string dir = std::string(::testing::TempDir()) + "/edgetpu_handoff";
  std::filesystem::remove_all(dir);
  int code = 0;
  const CompiledFacts& f = TrainingPairs()[0];
  const std::string out = RunCli("compile --segments 2 -o " + dir + " " + CpuPath(f), &code);
  ASSERT_EQ(code, 0) << out;
  const std::string s0 = dir + "/" + f.stem + "_segment_0_of_2.tflite";
  EXPECT_TRUE(std::filesystem::exists(s0));
  EXPECT_TRUE(std::filesystem::exists(dir + "/" + f.stem + "_segment_1_of_2.tflite"));
  std::ifstream readme_file(dir + "/README.txt");
  const std::string readme((std::istreambuf_iterator<char>(readme_file)),
                           std::istreambuf_iterator<char>());
  EXPECT_THAT(readme, HasSubstr("edgetpu_compiler --show_operations --out_dir . " + f.stem +
                                "_segment_0_of_2.tflite"));
  EXPECT_THAT(readme, HasSubstr("PipelinedModelRunner"));
  EXPECT_THAT(readme, HasSubstr(f.stem + "_segment_1_of_2_edgetpu.tflite"));

  // Before compiling: predictions only. A compiled file brought back is read and compared (the
  // whole compiled model stands in for segment 0 here).
  std::string check = RunCli("compile --check-compiled " + dir, &code);
  ASSERT_EQ(code, 0) << check;
  EXPECT_THAT(check, HasSubstr("not compiled yet"));
  std::filesystem::copy_file(CompiledPath(f),
                             dir + "/" + f.stem + "_segment_0_of_2_edgetpu.tflite");
  check = RunCli("compile --check-compiled " + dir + " --json", &code);
  ASSERT_EQ(code, 0) << check;
  const nlohmann::json j = nlohmann::json::parse(check);
  ASSERT_EQ(j["segments"].size(), 2u);
  EXPECT_EQ(j["segments"][0]["index"], 1);
  EXPECT_EQ(j["segments"][0]["compiled"], true);
  EXPECT_EQ(j["segments"][0]["actual"]["on_chip_bytes"], f.on_chip_bytes);
  EXPECT_EQ(j["segments"][1]["compiled"], false);

  const std::string none = RunCli(
      "compile --check-compiled " + std::string(::testing::TempDir()) + "/no_such_dir_here", &code);
  EXPECT_NE(code, 0) << none;
}

}  // namespace
}  // namespace segpipe
