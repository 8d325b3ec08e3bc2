// Latency summaries, digests, dequantized values and top-K classes.
#include "segpipe/exec/internal/inference_report.h"

#include <gtest/gtest.h>

namespace segpipe {
namespace {

TEST(SummarizeLatenciesTest, MinMedianAndNearestRankP99) {
  std::vector<double> ms;
  for (int i = 100; i >= 1; --i) ms.push_back(i);
  const LatencySummary s = SummarizeLatencies(ms);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  EXPECT_DOUBLE_EQ(s.median_ms, 50.5);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99);
  EXPECT_DOUBLE_EQ(SummarizeLatencies({3}).p99_ms, 3);
  EXPECT_EQ(SummarizeLatencies({}).count, 0);
}

TEST(DigestTest, IsFnv1a64) {
  EXPECT_EQ(Digest({}), "cbf29ce484222325");
  const std::vector<uint8_t> a = {'a'};
  EXPECT_EQ(Digest(a), "af63dc4c8601ec8c");
}

TEST(TopKTest, DequantizesAndBreaksTiesByLowerId) {
  Tensor scores;
  scores.type = DataType::kUInt8;
  scores.shape = {1, 5};
  scores.quant = {{0.5f}, {10}, 0};
  const std::vector<uint8_t> bytes = {10, 14, 12, 14, 0};
  StatusOr<std::vector<ClassScore>> top = TopK(scores, bytes, 3);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->size(), 3u);
  EXPECT_EQ((*top)[0].id, 1);
  EXPECT_DOUBLE_EQ((*top)[0].score, 2.0);
  EXPECT_EQ((*top)[1].id, 3);
  EXPECT_EQ((*top)[2].id, 2);
  EXPECT_EQ(TopK(scores, bytes, 10)->size(), 5u);
  scores.shape = {2, 5};
  EXPECT_FALSE(TopK(scores, std::vector<uint8_t>(10), 3).ok());
}

}  // namespace
}  // namespace segpipe
