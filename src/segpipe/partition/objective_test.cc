// Objective parsing and how stage times combine.
#include "segpipe/partition/objective.h"

#include <gtest/gtest.h>

namespace segpipe {
namespace {

TEST(ObjectiveTest, ParsesTheThreeKinds) {
  EXPECT_EQ(*ParseObjective("throughput"), Objective::Throughput());
  EXPECT_EQ(*ParseObjective("latency"), Objective::Latency());
  EXPECT_EQ(*ParseObjective("batch:50"), Objective::Batch(50));
  EXPECT_EQ(ObjectiveName(Objective::Batch(50)), "batch:50");
  for (const char* bad : {"batch:", "batch:0", "batch:-3", "batch:5x", "fast"})
    EXPECT_EQ(ParseObjective(bad).status().code(), StatusCode::kInvalidArgument) << bad;
}

TEST(ObjectiveTest, CombinesStageTimes) {
  const std::vector<double> t = {1, 3, 2};
  EXPECT_DOUBLE_EQ(ObjectiveValue(Objective::Throughput(), t), 3);
  EXPECT_DOUBLE_EQ(ObjectiveValue(Objective::Latency(), t), 6);
  EXPECT_DOUBLE_EQ(ObjectiveValue(Objective::Batch(50), t), 6 + 49 * 3);
  EXPECT_DOUBLE_EQ(TimePerInferenceMs(Objective::Batch(50), t), (6 + 49 * 3) / 50.0);
  EXPECT_DOUBLE_EQ(TimePerInferenceMs(Objective::Batch(1), t), 6);
}

TEST(ObjectiveTest, SerializedHostWorkFloorsThePeriod) {
  const std::vector<double> t = {1, 3, 2};
  Objective throughput = Objective::Throughput();
  throughput.serialized_host_ms_per_stage = 1.5;  // 3 stages x 1.5 ms under one lock
  EXPECT_DOUBLE_EQ(ObjectiveValue(throughput, t), 4.5);
  Objective batch = Objective::Batch(50);
  batch.serialized_host_ms_per_stage = 1.5;
  EXPECT_DOUBLE_EQ(ObjectiveValue(batch, t), 6 + 49 * 4.5);
  Objective latency = Objective::Latency();
  latency.serialized_host_ms_per_stage = 1.5;  // one input: nothing overlaps anyway
  EXPECT_DOUBLE_EQ(ObjectiveValue(latency, t), 6);
  batch.serialized_host_ms_per_stage = 0.5;  // below the slowest stage: no effect
  EXPECT_DOUBLE_EQ(ObjectiveValue(batch, t), 6 + 49 * 3);
}

}  // namespace
}  // namespace segpipe
