// Op display names: TFLite's builtin names from the schema table, custom ops by their code.
#include "segpipe/model/internal/op_name.h"

#include <gtest/gtest.h>

namespace segpipe {
namespace {

TEST(OpNameTest, NamesMappedUnmappedAndCustomOps) {
  Op op;
  op.type = OpType::kConv2D;
  op.builtin_code = 3;
  EXPECT_EQ(OpDisplayName(op), "CONV_2D");
  op.type = OpType::kUnknownBuiltin;
  op.builtin_code = 44;
  EXPECT_EQ(OpDisplayName(op), "UNIDIRECTIONAL_SEQUENCE_LSTM");
  op.builtin_code = 100000;
  EXPECT_EQ(OpDisplayName(op), "builtin code 100000");
  op.type = OpType::kCustom;
  op.builtin_code = 32;
  op.custom_code = "edgetpu-custom-op";
  EXPECT_EQ(OpDisplayName(op), "CUSTOM(edgetpu-custom-op)");
  EXPECT_EQ(BuiltinOperatorName(0), "ADD");
  EXPECT_EQ(BuiltinOperatorName(126), "BATCH_MATMUL");
}

}  // namespace
}  // namespace segpipe
