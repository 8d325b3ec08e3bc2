// The real-model corpus (shared/models): every file is read or refused with a specific error,
// `inspect` counts on MobileNet v2 match the model and hand-computed MACs, and read -> write ->
// read gives the same Model for every readable file.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "segpipe/tflite/internal/edgetpu_package.h"
#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/reader.h"
#include "segpipe/tflite/internal/writer.h"
#include "tflite_test_support.h"

namespace segpipe {
namespace {

using testing_support::RunCli;

using ::testing::HasSubstr;
using testing_support::CorpusModelPaths;
using testing_support::SharedPath;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(TfliteCorpusTest, EveryModelIsReadOrRefusedWithASpecificError) {
  const std::vector<std::string> paths = CorpusModelPaths();
  ASSERT_GE(paths.size(), 15u) << "corpus not found under " << SEGPIPE_SHARED_DIR;
  int read = 0, num_compiled = 0;
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    StatusOr<Model> model = ReadTfliteFile(path);
    if (EndsWith(path, "_edgetpu.tflite")) {
      // Refused for execution by default; read for inspection on request.
      ASSERT_FALSE(model.ok());
      EXPECT_EQ(model.status().code(), StatusCode::kUnimplemented);
      EXPECT_THAT(model.status().message(), HasSubstr("compiled for the Edge TPU"));
      EXPECT_THAT(model.status().message(), HasSubstr("CPU model"));
      StatusOr<Model> compiled = ReadTfliteFile(path, {.allow_edgetpu = true});
      ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
      EXPECT_TRUE(ReadEdgeTpuCompiledModel(*compiled).ok());
      ++num_compiled;
      continue;
    }
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    ++read;
    const ModelSummary summary = SummarizeModel(*model);
    std::vector<std::string> expected_unsupported;
    if (EndsWith(path, "keras_lstm_mnist_ptq.tflite"))
      expected_unsupported = {"UNIDIRECTIONAL_SEQUENCE_LSTM"};
    if (EndsWith(path, "invalid_models__model_invoking_error.tflite"))
      expected_unsupported = {"CUSTOM(fake-op-double)"};
    if (EndsWith(path, "posenet_mobilenet_v1_075_353_481_16_quant_decoder.tflite"))
      expected_unsupported = {"CUSTOM(PosenetDecoderOp)"};
    EXPECT_EQ(summary.unsupported_ops, expected_unsupported);
    if (!expected_unsupported.empty()) {
      EXPECT_THAT(FormatSummaryText(summary), HasSubstr("unsupported ops"));
    }
  }
  EXPECT_GE(num_compiled, 1);
  EXPECT_EQ(read + num_compiled, static_cast<int>(paths.size()));
}

// MobileNet v2 1.0 224 (uint8): the per-type counts given for it (36 CONV_2D, 17
// DEPTHWISE_CONV_2D, 10 ADD, 1 AVERAGE_POOL_2D, 1 RESHAPE, 1 SOFTMAX) add up to 66 ops, which is
// what the file holds.
TEST(TfliteCorpusTest, InspectCountsMobileNetV2OpsAndMacs) {
  StatusOr<Model> model = ReadTfliteFile(SharedPath("models/coral/mobilenet_v2_1.0_224_quant.tflite"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const ModelSummary s = SummarizeModel(*model);
  EXPECT_EQ(s.ops.size(), 66u);
  EXPECT_EQ(s.op_counts, (std::map<std::string, int>{{"CONV_2D", 36},
                                                     {"DEPTHWISE_CONV_2D", 17},
                                                     {"ADD", 10},
                                                     {"AVERAGE_POOL_2D", 1},
                                                     {"RESHAPE", 1},
                                                     {"SOFTMAX", 1}}));
  // By hand. Op 0: 3x3 conv, stride 2, 224x224x3 -> 112x112x32:
  //   112 * 112 * 32 outputs * (3 * 3 * 3) taps = 401,408 * 27 = 10,838,016 MACs.
  ASSERT_EQ(s.ops[0].type, "CONV_2D");
  EXPECT_EQ(s.ops[0].output_shapes[0], (std::vector<int32_t>{1, 112, 112, 32}));
  EXPECT_EQ(s.ops[0].macs, 10'838'016);
  // Op 1: 3x3 depthwise on 112x112x32: 401,408 outputs * 9 taps = 3,612,672 MACs.
  ASSERT_EQ(s.ops[1].type, "DEPTHWISE_CONV_2D");
  EXPECT_EQ(s.ops[1].macs, 3'612'672);
  // Op 63, the classifier: 1x1 conv 1280 -> 1001 on 1x1: 1,281,280 MACs.
  ASSERT_EQ(s.ops[63].type, "CONV_2D");
  EXPECT_EQ(s.ops[63].macs, 1'281'280);
  int64_t sum = 0;
  for (const OpSummary& op : s.ops) sum += op.macs;
  EXPECT_EQ(s.total_macs, sum);
  // ~300 M MACs, as published for MobileNet v2 1.0 224.
  EXPECT_EQ(s.total_macs, 300'775'552);
  EXPECT_EQ(s.ops[0].quantization, "uint8 per-tensor");
  ASSERT_EQ(s.inputs.size(), 1u);
  EXPECT_EQ(s.inputs[0].shape, (std::vector<int32_t>{1, 224, 224, 3}));
  EXPECT_EQ(s.inputs[0].quantization, "uint8 per-tensor");
}

TEST(TfliteCorpusTest, InspectCommandPrintsJsonAndMapsErrorsToExitCodes) {
  int code = -1;
  const std::string json = RunCli(
      "inspect --json " + SharedPath("models/coral/mobilenet_v2_1.0_224_quant.tflite"), &code);
  ASSERT_EQ(code, 0) << json;
  nlohmann::json j = nlohmann::json::parse(json);
  EXPECT_EQ(j["totals"]["ops"], 66);
  EXPECT_EQ(j["totals"]["macs"], 300'775'552);
  EXPECT_EQ(j["ops"][0]["type"], "CONV_2D");
  EXPECT_EQ(j["ops"][0]["output_shape"], (std::vector<int>{1, 112, 112, 32}));
  EXPECT_EQ(j["inputs"][0]["quantization"], "uint8 per-tensor");

  const std::string table =
      RunCli("inspect " + SharedPath("models/coral/keras_lstm_mnist_ptq.tflite"), &code);
  EXPECT_EQ(code, 0) << table;
  EXPECT_THAT(table, HasSubstr("UNIDIRECTIONAL_SEQUENCE_LSTM"));

  const std::string edgetpu =
      RunCli("inspect " + SharedPath("models/coral/mobilenet_v1_0.25_128_quant_edgetpu.tflite"), &code);
  EXPECT_EQ(code, 0) << edgetpu;
  EXPECT_THAT(edgetpu, HasSubstr("on-chip memory used for caching model parameters"));
  const std::string missing = RunCli("inspect /nonexistent.tflite", &code);
  EXPECT_EQ(code, ExitCodeFor(StatusCode::kNotFound)) << missing;
}

TEST(TfliteCorpusTest, RoundTripGivesTheSameModelForEveryReadableFile) {
  int checked = 0;
  for (const std::string& path : CorpusModelPaths()) {
    SCOPED_TRACE(path);
    StatusOr<Model> model = ReadTfliteFile(path);
    if (!model.ok()) continue;  // the Edge TPU file; see the test above
    StatusOr<std::vector<uint8_t>> bytes = WriteTflite(*model);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    StatusOr<Model> back = ReadTflite(*bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == *model);
    StatusOr<std::vector<uint8_t>> again = WriteTflite(*back);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(*again == *bytes) << "writing is not deterministic";
    ++checked;
  }
  EXPECT_GE(checked, 14);
}

}  // namespace
}  // namespace segpipe
