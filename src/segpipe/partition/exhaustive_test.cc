// The paper's exhaustive method: times every split, refuses when there are too many.
#include "segpipe/partition/internal/exhaustive.h"

#include <gtest/gtest.h>

#include "segpipe/partition/internal/optimal.h"

namespace segpipe {
namespace {

TEST(ExhaustiveSplitTest, TimesEverySplitAndMatchesOptimalOnBatchTime) {
  const std::vector<double> unit = {3, 1, 4, 1, 5, 9, 2};
  SegmentCostFn cost = [&](int i, int j, int) -> StatusOr<double> {
    double t = 0.5;
    for (int l = i; l <= j; ++l) t += unit[l];
    return t;
  };
  const Objective batch = Objective::Batch(50);
  auto result = ExhaustiveSplit(7, 3, 1000, [&](std::span<const int> last) -> StatusOr<double> {
    SEGPIPE_ASSIGN_OR_RETURN(UnitSplit s, EvaluateSplit(last, batch, cost));
    return s.objective_value / 50;
  });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->splits_timed, CountSplits(7, 3));
  auto best = OptimalSplit(7, 3, batch, cost);
  ASSERT_TRUE(best.ok());
  EXPECT_NEAR(result->time_per_inference_ms, best->objective_value / 50, 1e-12);
}

TEST(ExhaustiveSplitTest, RefusesTooManySplitsAndSuggestsOptimal) {
  int calls = 0;
  auto result = ExhaustiveSplit(500, 8, 100000, [&](std::span<const int>) -> StatusOr<double> {
    ++calls;
    return 1.0;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("--strategy optimal"), std::string::npos);
  EXPECT_NE(result.status().message().find("1465266040247724"), std::string::npos);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace segpipe
