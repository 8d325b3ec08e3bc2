// Simulated and measured segment profiles driving the partitioners.
#include "segpipe/pipeline/internal/profilers.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "segpipe/partition/internal/planner.h"
#include "segpipe/synth/internal/paper_models.h"

namespace segpipe {
namespace {

Model Fc(int hidden) {
  synth::FcConfig config;
  config.hidden = hidden;
  config.calibration_inputs = 0;
  auto m = synth::SynthesizeFc(config);
  SEGPIPE_CHECK(m.ok());
  return std::move(m->model);
}

Model Conv(int filters) {
  synth::ConvConfig config;
  config.filters = filters;
  config.calibration_inputs = 0;
  auto m = synth::SynthesizeConv(config);
  SEGPIPE_CHECK(m.ok());
  return std::move(m->model);
}

StatusOr<Plan> PlanWith(const Model& model, SegmentProfiler& profiler, Strategy strategy,
                        const std::string& devices, Objective objective) {
  PlanOptions options;
  options.strategy = strategy;
  options.objective = objective;
  SEGPIPE_ASSIGN_OR_RETURN(options.devices, ParseStageDevices(devices));
  return MakePlan(model, profiler, options);
}

// The paper's method run through the simulator: every split simulated as a pipeline on 50
// inputs. The split optimal picks from per-segment profiles simulates as fast as the best one.
TEST(SimulatedProfilerTest, OptimalMatchesExhaustiveSimulatedPipelines) {
  for (const Model& model : {Fc(1620), Fc(2620), Conv(302), Conv(702)}) {
    for (int tpus = 2; tpus <= 4; ++tpus) {
      SimulatedProfiler profiler(model);
      auto exhaustive = PlanWith(model, profiler, Strategy::kExhaustive,
                                 fmt::format("edgetpu:{}", tpus), Objective::Batch(50));
      auto optimal = PlanWith(model, profiler, Strategy::kOptimal,
                              fmt::format("edgetpu:{}", tpus), Objective::Batch(50));
      ASSERT_TRUE(exhaustive.ok()) << exhaustive.status().ToString();
      ASSERT_TRUE(optimal.ok()) << optimal.status().ToString();
      auto simulated = profiler.TimePipelineMs(optimal->partition, 50);
      ASSERT_TRUE(simulated.ok());
      const std::vector<int> ends = CutCandidates(model);
      EXPECT_NEAR(*simulated, exhaustive->pipeline_time_ms, 1e-6 * exhaustive->pipeline_time_ms)
          << model.description << " on " << tpus << " TPUs: optimal "
          << FormatLayers(optimal->partition, ends) << ", exhaustive "
          << FormatLayers(exhaustive->partition, ends);
    }
  }
}

TEST(SimulatedProfilerTest, RefusesCpuStages) {
  const Model model = Fc(100);
  SimulatedProfiler profiler(model);
  auto plan = PlanWith(model, profiler, Strategy::kOptimal, "cpu:2", Objective::Throughput());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kUnimplemented);
}

TEST(MeasuredProfilerTest, ProfilesCpuSegmentsOnceAndTimesPipelines) {
  const Model model = Fc(100);
  MeasuredProfiler profiler(model, MeasureOptions{.warmup = 1, .repeats = 3});
  auto plan = PlanWith(model, profiler, Strategy::kOptimal, "cpu:2", Objective::Throughput());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->partition.segments.size(), 2u);
  for (const SegmentProfile& s : plan->segments) EXPECT_GT(s.stage_ms, 0);
  // Two stages over five layers: stage 0 starts at layer 1, stage 1 ends at layer 5, so at
  // most 4 + 4 distinct segments are profiled.
  EXPECT_LE(plan->profiles_taken, 8);
  const int64_t taken = profiler.profiles_taken();
  ASSERT_TRUE(profiler.Profile(0, 1, StageDevice{StageDevice::Kind::kCpu, 0}).ok());
  EXPECT_EQ(profiler.profiles_taken(), taken);  // cached
  auto pipeline_ms = profiler.TimePipelineMs(plan->partition, 8);
  ASSERT_TRUE(pipeline_ms.ok()) << pipeline_ms.status().ToString();
  EXPECT_GT(*pipeline_ms, 0);
  EXPECT_EQ(profiler.pipeline_runs(), 1);
}

TEST(MeasuredProfilerTest, RefusesEdgeTpuStages) {
  const Model model = Fc(100);
  MeasuredProfiler profiler(model);
  auto plan = PlanWith(model, profiler, Strategy::kOptimal, "edgetpu:2", Objective::Throughput());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("--profile"), std::string::npos);
}

TEST(MixedProfilerTest, PlansACpuStageBeforeEdgeTpus) {
  const Model model = Fc(1620);
  MixedProfiler profiler(std::make_unique<SimulatedProfiler>(model),
                         std::make_unique<MeasuredProfiler>(model, MeasureOptions{.repeats = 1}));
  EXPECT_EQ(profiler.name(), "simulate+measure");
  auto plan = PlanWith(model, profiler, Strategy::kOptimal, "cpu:1,edgetpu:2",
                       Objective::Throughput());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->partition.segments.size(), 3u);
  EXPECT_EQ(plan->partition.segments[0].device.kind, StageDevice::Kind::kCpu);
  EXPECT_EQ(plan->partition.segments[1].device.kind, StageDevice::Kind::kEdgeTpu);
  for (const SegmentProfile& s : plan->segments) EXPECT_GT(s.stage_ms, 0);
}

}  // namespace
}  // namespace segpipe
