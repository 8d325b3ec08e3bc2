// Reader: error kinds and messages for bad files, operator code rules, quantization forms,
// unknown and custom ops. Files with odd contents are built directly with the flatbuffer API.
#include "segpipe/tflite/internal/reader.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "segpipe/tflite/internal/schema_generated.h"
#include "segpipe/tflite/internal/test_models.h"
#include "segpipe/tflite/internal/writer.h"

namespace segpipe {
namespace {

namespace fb = tflite_fb;
using ::testing::HasSubstr;

// A one-op model x -> OP -> y built by hand, with knobs for the fields the tests vary.
struct RawSpec {
  int8_t deprecated_code = fb::BuiltinOperator_RELU;
  int32_t builtin_code = fb::BuiltinOperator_RELU;
  std::string custom_code;
  uint32_t version = 3;
  int8_t input_type = fb::TensorType_UINT8;
  std::vector<float> scale = {0.5f};
  std::vector<int64_t> zero_point = {7};
  int32_t quantized_dimension = 0;
  std::vector<int32_t> input_shape = {1, 4};
  uint32_t input_buffer = 0;
  std::vector<uint8_t> input_data;  // stored in buffer 1 when not empty
  uint32_t opcode_index = 0;
  std::vector<int32_t> op_inputs = {0};
  bool sparse = false;
  bool with_add_options = false;  // options of the wrong op
};

std::vector<uint8_t> BuildRaw(const RawSpec& s) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(fbb)};
  if (!s.input_data.empty()) buffers.push_back(fb::CreateBuffer(fbb, fbb.CreateVector(s.input_data)));
  auto quant = fb::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(s.scale),
                                                fbb.CreateVector(s.zero_point),
                                                fb::QuantizationDetails_NONE, 0, s.quantized_dimension);
  auto sparsity = s.sparse ? fb::CreateSparsityParameters(fbb) : 0;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensor(fbb, fbb.CreateVector(s.input_shape), static_cast<fb::TensorType>(s.input_type),
                       s.input_buffer, fbb.CreateString("x"), quant, false, sparsity),
      fb::CreateTensor(fbb, fbb.CreateVector(std::vector<int32_t>{1, 4}), fb::TensorType_UINT8, 0,
                       fbb.CreateString("y"), quant)};
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {fb::CreateOperatorCode(
      fbb, s.deprecated_code, s.custom_code.empty() ? 0 : fbb.CreateString(s.custom_code), 1,
      static_cast<fb::BuiltinOperator>(s.builtin_code))};
  auto options = s.with_add_options ? fb::CreateAddOptions(fbb).Union() : 0;
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {fb::CreateOperator(
      fbb, s.opcode_index, fbb.CreateVector(s.op_inputs), fbb.CreateVector(std::vector<int32_t>{1}),
      s.with_add_options ? fb::BuiltinOptions_AddOptions : fb::BuiltinOptions_NONE, options)};
  std::vector<flatbuffers::Offset<fb::SubGraph>> graphs = {fb::CreateSubGraph(
      fbb, fbb.CreateVector(tensors), fbb.CreateVector(std::vector<int32_t>{0}),
      fbb.CreateVector(std::vector<int32_t>{1}), fbb.CreateVector(ops))};
  fb::FinishModelBuffer(fbb, fb::CreateModel(fbb, s.version, fbb.CreateVector(codes),
                                             fbb.CreateVector(graphs), 0, fbb.CreateVector(buffers)));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

TEST(TfliteReaderTest, ReadsHandBuiltModel) {
  StatusOr<Model> m = ReadTflite(BuildRaw({}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->ops.size(), 1u);
  EXPECT_EQ(m->ops[0].type, OpType::kRelu);
  EXPECT_EQ(m->ops[0].builtin_code, 19);
  EXPECT_EQ(m->tensor(0).quant, (Quantization{{0.5f}, {7}, 0}));
  EXPECT_EQ(m->inputs, std::vector<int32_t>{0});
  EXPECT_EQ(m->outputs, std::vector<int32_t>{1});
}

TEST(TfliteReaderTest, TakesLargerOfDeprecatedAndNewBuiltinCode) {
  RawSpec old_file;  // written before builtin_code existed: only the deprecated field is set
  old_file.deprecated_code = fb::BuiltinOperator_TANH;
  old_file.builtin_code = 0;
  StatusOr<Model> m = ReadTflite(BuildRaw(old_file));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->ops[0].type, OpType::kTanh);

  RawSpec new_code;  // a code above 127 lives only in builtin_code
  new_code.deprecated_code = 127;
  new_code.builtin_code = 150;
  m = ReadTflite(BuildRaw(new_code));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->ops[0].type, OpType::kUnknownBuiltin);
  EXPECT_EQ(m->ops[0].builtin_code, 150);
}

TEST(TfliteReaderTest, KeepsCustomOpsAndRefusesEdgeTpuModels) {
  RawSpec custom;
  custom.deprecated_code = 32;
  custom.builtin_code = 32;
  custom.custom_code = "fake-op-double";
  StatusOr<Model> m = ReadTflite(BuildRaw(custom));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->ops[0].type, OpType::kCustom);
  EXPECT_EQ(m->ops[0].custom_code, "fake-op-double");

  custom.custom_code = "edgetpu-custom-op";
  m = ReadTflite(BuildRaw(custom));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(m.status().message(), HasSubstr("compiled for the Edge TPU"));
  EXPECT_THAT(m.status().message(), HasSubstr("CPU model"));
}

TEST(TfliteReaderTest, ReadsPerChannelQuantization) {
  RawSpec s;
  s.input_type = fb::TensorType_INT8;
  s.input_shape = {3, 4};
  s.scale = {0.1f, 0.2f, 0.3f, 0.4f};
  s.zero_point = {0, 0, 0, 0};
  s.quantized_dimension = 1;
  // y shares the quantization table but has shape [1, 4]: its axis 1 also has 4 entries.
  StatusOr<Model> m = ReadTflite(BuildRaw(s));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->tensor(0).quant.per_channel());
  EXPECT_EQ(m->tensor(0).quant.axis, 1);

  s.quantized_dimension = 0;  // 3 rows, 4 scales
  m = ReadTflite(BuildRaw(s));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(m.status().message(), HasSubstr("per-channel"));
}

TEST(TfliteReaderTest, ReportsSpecificErrorsForInconsistentFiles) {
  struct Case {
    const char* name;
    RawSpec spec;
    StatusCode code;
    const char* message;
  };
  std::vector<Case> cases;
  cases.push_back({"bad opcode index", {}, StatusCode::kDataLoss, "operator code 5"});
  cases.back().spec.opcode_index = 5;
  cases.push_back({"bad tensor index", {}, StatusCode::kDataLoss, "reads tensor 9"});
  cases.back().spec.op_inputs = {9};
  cases.push_back({"bad buffer index", {}, StatusCode::kDataLoss, "buffer 4"});
  cases.back().spec.input_buffer = 4;
  cases.push_back({"short constant", {}, StatusCode::kDataLoss, "holds 3 bytes"});
  cases.back().spec.input_buffer = 1;
  cases.back().spec.input_data = {1, 2, 3};
  cases.push_back({"string tensor", {}, StatusCode::kUnimplemented, "type STRING"});
  cases.back().spec.input_type = fb::TensorType_STRING;
  cases.push_back({"sparse tensor", {}, StatusCode::kUnimplemented, "sparse"});
  cases.back().spec.sparse = true;
  cases.push_back({"schema version", {}, StatusCode::kUnimplemented, "version 2"});
  cases.back().spec.version = 2;
  cases.push_back({"wrong options", {}, StatusCode::kDataLoss, "AddOptions"});
  cases.back().spec.with_add_options = true;
  cases.back().spec.deprecated_code = fb::BuiltinOperator_SOFTMAX;
  cases.back().spec.builtin_code = fb::BuiltinOperator_SOFTMAX;
  cases.push_back({"NaN scale", {}, StatusCode::kDataLoss, "invalid quantization scale"});
  cases.back().spec.scale = {std::nanf("")};
  cases.push_back({"negative dimension", {}, StatusCode::kDataLoss, "negative dimension"});
  cases.back().spec.input_shape = {1, -4};
  for (const Case& c : cases) {
    StatusOr<Model> m = ReadTflite(BuildRaw(c.spec));
    ASSERT_FALSE(m.ok()) << c.name;
    EXPECT_EQ(m.status().code(), c.code) << c.name << ": " << m.status().ToString();
    EXPECT_THAT(m.status().message(), HasSubstr(c.message)) << c.name;
  }
}

TEST(TfliteReaderTest, RefusesEmptyTruncatedAndForeignBytes) {
  std::vector<uint8_t> good = BuildRaw({});
  EXPECT_EQ(ReadTflite({}).status().code(), StatusCode::kDataLoss);
  for (size_t keep : {size_t{4}, size_t{16}, good.size() / 2, good.size() - 1}) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(keep));
    StatusOr<Model> m = ReadTflite(cut);
    ASSERT_FALSE(m.ok()) << keep;
    EXPECT_EQ(m.status().code(), StatusCode::kDataLoss) << keep;
  }
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
  StatusOr<Model> m = ReadTflite(png);
  EXPECT_EQ(m.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(m.status().message(), HasSubstr("TFL3"));
}

TEST(TfliteReaderTest, FileErrorsNameThePath) {
  StatusOr<Model> missing = ReadTfliteFile("/nonexistent/model.tflite");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/model.tflite"));
  StatusOr<Model> dir = ReadTfliteFile(std::filesystem::temp_directory_path().string());
  EXPECT_EQ(dir.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(dir.status().message(), HasSubstr("directory"));
  const std::string empty = (std::filesystem::temp_directory_path() / "segpipe_empty.tflite").string();
  { std::ofstream(empty, std::ios::trunc); }
  StatusOr<Model> e = ReadTfliteFile(empty);
  std::filesystem::remove(empty);
  EXPECT_EQ(e.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(e.status().message(), HasSubstr("empty"));
}

TEST(TfliteReaderTest, CopiesConstantAxesIntoOptions) {
  Model model = testing_models::AllOpsModel();
  for (Op& op : model.ops) op.options.axis = op.type == OpType::kConcatenation ? op.options.axis : 0;
  StatusOr<std::vector<uint8_t>> bytes = WriteTflite(model);
  ASSERT_TRUE(bytes.ok());
  StatusOr<Model> back = ReadTflite(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (const Op& op : back->ops) {
    if (op.type == OpType::kSplit) {
      EXPECT_EQ(op.options.axis, 3);
    }
    if (op.type == OpType::kArgMax) {
      EXPECT_EQ(op.options.axis, 2);
    }
  }
}

}  // namespace
}  // namespace segpipe
