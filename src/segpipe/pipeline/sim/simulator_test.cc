// Tests of the pipeline simulator against closed-form cases and the Edge TPU pipeline formula.
#include "segpipe/pipeline/sim/internal/simulator.h"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "segpipe/device/internal/pipeline_time.h"

namespace segpipe {
namespace {

SimConfig Uniform(int stages, int64_t service_ns, int capacity = 1) {
  SimConfig c;
  c.queue_capacity = capacity;
  for (int i = 0; i < stages; ++i) c.stages.push_back(SimStage{{SimPhase{service_ns, -1}}});
  return c;
}

TEST(SimulatorTest, BatchOfEqualStagesTakesFillPlusOnePeriodPerInput) {
  for (int stages = 1; stages <= 4; ++stages) {
    StatusOr<SimResult> r = SimulateBatch(Uniform(stages, 1000), 50);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->total_ns, (stages + 49) * 1000) << stages;
    EXPECT_EQ(r->latency_max_ns, r->total_ns);  // the last input waited the whole batch
  }
}

TEST(SimulatorTest, SlowestStageSetsThePeriod) {
  SimConfig c = Uniform(3, 1000);
  c.stages[1].phases[0].duration_ns = 3000;
  StatusOr<SimResult> r = SimulateStream(c, 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->time_per_inference_ns, 3000, 10);
  EXPECT_NEAR(r->stage_utilisation[1], 1.0, 0.01);
  EXPECT_NEAR(r->stage_utilisation[0], 1.0 / 3, 0.01);
}

TEST(SimulatorTest, SharedResourceSerializesPhases) {
  // Two stages, each 1 us on a shared resource then 1 us alone: the resource is busy 2 us per
  // input, so the period is 2 us (not 2 us per stage in parallel = 2 us either) -> use 3 stages.
  SimConfig c;
  c.num_resources = 1;
  for (int i = 0; i < 3; ++i)
    c.stages.push_back(SimStage{{SimPhase{1000, 0}, SimPhase{1000, -1}}});
  StatusOr<SimResult> r = SimulateStream(c, 2000);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->time_per_inference_ns, 3000, 10);
  c.num_resources = 0;
  for (SimStage& s : c.stages) s.phases[0].resource = -1;
  r = SimulateStream(c, 2000);
  EXPECT_NEAR(r->time_per_inference_ns, 2000, 10);
}

TEST(SimulatorTest, HopCostAddsLatencyButNotPeriod) {
  SimConfig c = Uniform(4, 10'000, 2);
  c.per_hop_ns = 3'000;
  StatusOr<SimResult> r = SimulateStream(c, 5000);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->time_per_inference_ns, 10'000, 20);
  StatusOr<SimResult> one = SimulateBatch(c, 1);
  EXPECT_EQ(one->total_ns, 4 * 10'000 + 4 * 3'000);  // three hops between stages + the output
}

TEST(SimulatorTest, CapacityOneBlocksBehindASlowConsumerStage) {
  // A fast stage feeding a slow one stalls on its output pool instead of queueing forever.
  SimConfig c = Uniform(2, 1000);
  c.stages[1].phases[0].duration_ns = 5000;
  StatusOr<SimResult> r = SimulateStream(c, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->time_per_inference_ns, 5000, 100);
  EXPECT_LT(r->latency_max_ns, 6 * 5000 + 1000);  // bounded queues bound latency
}

TEST(SimulatorTest, MatchesTheAnalyticBatchFormulaOfTheEdgeTpuModel) {
  std::vector<SegmentTiming> timings(3);
  timings[0].compute_ns = 400e3;
  timings[1].compute_ns = 900e3;
  timings[2].compute_ns = 250e3;
  for (const HostProfile& host : {PaperHostProfile(), NativeHostProfile()}) {
    SimConfig c = EdgeTpuSimConfig(timings, host, 1);
    std::vector<PipelineStageTime> stages;
    for (double ns : {400e3, 900e3, 250e3}) stages.push_back({.time = StageTimeNs(ns, host)});
    for (int batch : {1, 50}) {
      StatusOr<SimResult> r = SimulateBatch(c, batch);
      ASSERT_TRUE(r.ok());
      const double analytic =
          EstimatePipelineTime(stages, HostOverheadsNs(host)).BatchWall(batch);
      // The formula charges hops to the period; the runtime (and the simulator) pay them
      // off the bottleneck. They agree where hops are free and within the hop cost otherwise.
      // Under a serialized host profile the formula also ignores that the bottleneck stage
      // waits for the lock while others hold it, which the simulator models: it can only add.
      if (host.host_serialized && batch > 1) {
        EXPECT_GE(double(r->total_ns), analytic);
        continue;
      }
      EXPECT_NEAR(double(r->total_ns), analytic, 1.0 + host.per_hop_ns * (batch + 3))
          << host.name << " B=" << batch;
    }
  }
}

TEST(SimulatorTest, PaperProfileSerializesHostWorkAcrossStages) {
  // Tiny device times: the serialized host work of 4 stages sets the period (the paper's
  // ~0.24 ms per stage floor for FC models).
  std::vector<SegmentTiming> timings(4);
  for (SegmentTiming& t : timings) t.compute_ns = 100e3;
  HostProfile paper = PaperHostProfile();
  StatusOr<SimResult> r = SimulateBatch(EdgeTpuSimConfig(timings, paper, 1), 50);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->time_per_inference_ns, 4 * paper.per_stage_host_ns * 0.95);
}

TEST(SimulatorTest, ReplicatedStagesMatchTheAnalyticPeriodAndKeepInputOrder) {
  // Stage 2 takes 3 us on each of 3 replicas: it delivers one result per us, like the others.
  SimConfig c = Uniform(3, 1000, 2);
  c.stages[1].phases[0].duration_ns = 3000;
  c.stages[1].replicas = 3;
  StatusOr<SimResult> r = SimulateStream(c, 3000);
  ASSERT_TRUE(r.ok());
  const PipelineStageTime stages[] = {{.time = 1000}, {.time = 3000, .replicas = 3}, {.time = 1000}};
  const PipelineTime analytic = EstimatePipelineTime(stages, {});
  EXPECT_NEAR(r->time_per_inference_ns, analytic.period, analytic.period * 0.01);
  EXPECT_NEAR(r->stage_utilisation[1], 1.0, 0.02);  // busy / (wall x replicas)
  StatusOr<SimResult> one = SimulateBatch(c, 1);
  EXPECT_EQ(one->total_ns, analytic.latency);
  // Uneven replicas: the slowest of 2 replicas every other input, results still in order.
  c.stages[1].replicas = 2;
  r = SimulateStream(c, 3000);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->time_per_inference_ns, 1500, 15);
}

TEST(SimulatorTest, SharedLinkFloorsThePeriodAsTheAnalyticFormulaSays) {
  // Two stages of 1 us host-link time + 1 us device time each, behind one link.
  SimConfig c;
  c.num_resources = 2;
  for (int i = 0; i < 2; ++i)
    c.stages.push_back(SimStage{{SimPhase{1000, kHostLinkResource}, SimPhase{1000, -1}}});
  StatusOr<SimResult> r = SimulateStream(c, 2000);
  ASSERT_TRUE(r.ok());
  const PipelineStageTime stages[] = {{.time = 2000, .replicas = 1, .link = 1000},
                                      {.time = 2000, .replicas = 2, .link = 1000}};
  EXPECT_NEAR(r->time_per_inference_ns, EstimatePipelineTime(stages, {}).period, 20);
  c.stages[1].replicas = 2;  // the link, not the stage, stays the bottleneck
  r = SimulateStream(c, 2000);
  EXPECT_NEAR(r->time_per_inference_ns, 2000, 20);
}

TEST(SimulatorTest, StreamMemoryDoesNotGrowWithTheInputs) {
  // A million inputs stream through a fixed ring; latency samples are a bounded ring too.
  SimConfig c = Uniform(2, 1000);
  StatusOr<SimResult> r = SimulateStream(c, 1'000'000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->inputs, 1'000'000);
  EXPECT_NEAR(r->time_per_inference_ns, 1000, 1);
  EXPECT_LE(r->latency_p99_ns, 4 * 1000);  // each input waits a bounded time
}

TEST(SimulatorTest, RejectsBadConfigs) {
  EXPECT_FALSE(SimulateBatch(SimConfig{}, 10).ok());
  EXPECT_FALSE(SimulateBatch(Uniform(2, 100), 0).ok());
  SimConfig c = Uniform(2, 100);
  c.stages[0].phases[0].resource = 3;
  EXPECT_FALSE(SimulateStream(c, 10).ok());
  c = Uniform(2, 100);
  c.stages[1].replicas = 0;
  EXPECT_FALSE(SimulateStream(c, 10).ok());
}

}  // namespace
}  // namespace segpipe
