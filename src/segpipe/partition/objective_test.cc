// Objective parsing and how stage times combine.
#include "segpipe/partition/internal/objective.h"

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

TEST(ObjectiveTest, ReplicasAndTheFixedCostEnterThroughTheOnePipelineFormula) {
  const std::vector<double> t = {1, 4, 2};
  const std::vector<int> replicas = {1, 2, 1};  // stage 2 on two devices: 2 ms per result
  Objective batch = Objective::Batch(10);
  batch.fixed_ms = 0.5;
  EXPECT_DOUBLE_EQ(ObjectiveValue(batch, t, replicas), 0.5 + 7 + 9 * 2);
  EXPECT_DOUBLE_EQ(ObjectivePipelineTime(batch, t, replicas).period, 2);
  Objective latency = Objective::Latency();
  latency.fixed_ms = 0.5;  // one input through the empty pipeline: replicas do not help it
  EXPECT_DOUBLE_EQ(ObjectiveValue(latency, t, replicas), 7.5);
  EXPECT_DOUBLE_EQ(TimePerInferenceMs(Objective::Throughput(), t, replicas), 2);
}

}  // namespace
}  // namespace segpipe
