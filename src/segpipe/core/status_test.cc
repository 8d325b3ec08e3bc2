#include "segpipe/core/status.h"

#include <gtest/gtest.h>

#include <set>

namespace segpipe {
namespace {

StatusOr<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgumentError("must be positive");
  return v;
}

Status UsesMacros(int v, int* out) {
  SEGPIPE_ASSIGN_OR_RETURN(*out, ParsePositive(v));
  return OkStatus();
}

TEST(StatusTest, CarriesCodeMessageAndContext) {
  Status s = NotFoundError("no such file").WithContext("reading a.tflite");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "reading a.tflite: no such file");
  EXPECT_EQ(s.ToString(), "NOT_FOUND: reading a.tflite: no such file");
}

TEST(StatusTest, ExitCodesAreDistinctAndNonZero) {
  std::set<int> seen;
  for (int c = 1; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    int exit_code = ExitCodeFor(static_cast<StatusCode>(c));
    EXPECT_NE(exit_code, 0);
    EXPECT_TRUE(seen.insert(exit_code).second) << "duplicate exit code " << exit_code;
  }
}

TEST(StatusOrTest, MacrosPropagateErrors) {
  int out = 0;
  EXPECT_TRUE(UsesMacros(3, &out).ok());
  EXPECT_EQ(out, 3);
  Status s = UsesMacros(-1, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace segpipe
