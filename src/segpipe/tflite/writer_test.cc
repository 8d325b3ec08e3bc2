// Writer: every mapped op and options field survives a round trip; the file follows the
// conventions TFLite expects (schema 3, empty buffer 0, aligned data, deduplicated codes).
#include "segpipe/tflite/internal/writer.h"

#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>

#include "segpipe/tflite/internal/reader.h"
#include "segpipe/tflite/internal/schema_generated.h"
#include "segpipe/tflite/internal/schema_mapping.h"
#include "segpipe/tflite/internal/test_models.h"

namespace segpipe {
namespace {

namespace fb = tflite_fb;
using testing_models::AllOpsModel;

TEST(TfliteWriterTest, RoundTripKeepsEveryOpOptionAndTensor) {
  Model model = AllOpsModel();
  ASSERT_TRUE(ValidateAndSortModel(model).ok());
  StatusOr<std::vector<uint8_t>> bytes = WriteTflite(model);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  StatusOr<Model> back = ReadTflite(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  Model expected = model;
  testing_models::FillBuiltinCodes(expected, tflite_internal::BuiltinCodeFromOpType);
  ASSERT_EQ(back->ops.size(), expected.ops.size());
  for (size_t i = 0; i < expected.ops.size(); ++i)
    EXPECT_EQ(back->ops[i], expected.ops[i]) << "op " << i << " " << OpTypeName(expected.ops[i].type);
  for (size_t t = 0; t < expected.tensors.size(); ++t)
    EXPECT_EQ(back->tensors[t], expected.tensors[t]) << "tensor " << t << " " << expected.tensors[t].name;
  EXPECT_EQ(*back, expected);
  // And writing what was read gives the same bytes: the writer is deterministic.
  StatusOr<std::vector<uint8_t>> again = WriteTflite(*back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);
}

TEST(TfliteWriterTest, FollowsTfliteFileConventions) {
  Model model = AllOpsModel();
  StatusOr<std::vector<uint8_t>> bytes = WriteTflite(model);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  flatbuffers::Verifier verifier(bytes->data(), bytes->size());
  ASSERT_TRUE(fb::VerifyModelBuffer(verifier));
  const fb::Model* fm = fb::GetModel(bytes->data());
  EXPECT_EQ(fm->version(), 3u);
  ASSERT_EQ(fm->subgraphs()->size(), 1u);
  ASSERT_GT(fm->buffers()->size(), 1u);
  EXPECT_TRUE(fm->buffers()->Get(0)->data() == nullptr || fm->buffers()->Get(0)->data()->size() == 0);
  for (const fb::Buffer* buffer : *fm->buffers())
    if (buffer->data() != nullptr && buffer->data()->size() > 0) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer->data()->data()) % 16, 0u);
    }

  // AllOpsModel uses every op type once, so each (code, custom name) appears in exactly one
  // operator code, and both code fields are set.
  std::set<std::pair<int32_t, std::string>> seen;
  for (const fb::OperatorCode* code : *fm->operator_codes()) {
    const int32_t builtin = static_cast<int32_t>(code->builtin_code());
    EXPECT_EQ(code->deprecated_builtin_code(), std::min(builtin, 127));
    std::string custom = code->custom_code() ? code->custom_code()->str() : "";
    EXPECT_TRUE(seen.insert({builtin, custom}).second) << "duplicate code " << builtin;
  }
  EXPECT_TRUE(seen.count({150, ""}));
  EXPECT_TRUE(seen.count({32, "my-custom-op"}));
  // Every mapped op with an options table in TFLite has one.
  const fb::SubGraph* g = fm->subgraphs()->Get(0);
  for (size_t i = 0; i < model.ops.size(); ++i) {
    const fb::BuiltinOptions expected = model.ops[i].type == OpType::kUnknownBuiltin ||
                                                model.ops[i].type == OpType::kCustom
                                            ? fb::BuiltinOptions_NONE
                                            : tflite_internal::OptionsTypeFor(model.ops[i].type);
    EXPECT_EQ(g->operators()->Get(i)->builtin_options_type(), expected) << "op " << i;
  }
}

TEST(TfliteWriterTest, SharesOperatorCodesBetweenOpsOfOneType) {
  Model model;
  int32_t x = testing_models::AddTensor(model, "x", DataType::kUInt8, {1, 4}, {{0.5f}, {1}, 0});
  int32_t y = testing_models::AddTensor(model, "y", DataType::kUInt8, {1, 4}, {{0.5f}, {1}, 0});
  int32_t z = testing_models::AddTensor(model, "z", DataType::kUInt8, {1, 4}, {{0.5f}, {1}, 0});
  model.inputs = {x};
  testing_models::AddOp(model, OpType::kRelu, {x}, {y});
  testing_models::AddOp(model, OpType::kRelu, {y}, {z});
  model.outputs = {z};
  StatusOr<std::vector<uint8_t>> bytes = WriteTflite(model);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(fb::GetModel(bytes->data())->operator_codes()->size(), 1u);
}

TEST(TfliteWriterTest, RefusesInvalidModels) {
  Model model = AllOpsModel();
  model.ops[3].inputs[0] = 10'000;
  StatusOr<std::vector<uint8_t>> bytes = WriteTflite(model);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), StatusCode::kInvalidArgument);

  Model unnamed = AllOpsModel();
  unnamed.ops.back().custom_code.clear();
  EXPECT_EQ(WriteTflite(unnamed).status().code(), StatusCode::kInvalidArgument);
}

TEST(TfliteWriterTest, WritesFilesThatReadBack) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "segpipe_writer_test.tflite").string();
  Model model = AllOpsModel();
  ASSERT_TRUE(WriteTfliteFile(model, path).ok());
  StatusOr<Model> back = ReadTfliteFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ops.size(), model.ops.size());
  // An output that cannot be written has its own code (exit 73), whatever the cause.
  EXPECT_EQ(WriteTfliteFile(model, "/nonexistent-dir/x.tflite").code(), StatusCode::kWriteFailed);
}

}  // namespace
}  // namespace segpipe
