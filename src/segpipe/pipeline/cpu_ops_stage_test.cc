// A hybrid segment's CPU ops are part of its stage time, the same in the planner's profiles and
// in `run --simulate`; a segment without CPU ops is timed as before.
#include <gtest/gtest.h>

#include <string>

#include "segpipe/device/internal/pipeline_time.h"
#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/pipeline/internal/profilers.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe {
namespace {

const StageDevice kTpu{StageDevice::Kind::kEdgeTpu, 0};

class HybridStageTest : public testing::TestWithParam<std::string> {};

TEST_P(HybridStageTest, PlanStageTimeIncludesCpuOpsAndEqualsSimulatedRun) {
  const std::string path = std::string(SEGPIPE_SHARED_DIR) + "/models/coral/" + GetParam();
  StatusOr<Model> model = ReadTfliteFile(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const int last = static_cast<int>(model->ops.size()) - 1;
  StatusOr<SegmentPlacement> placement = PlaceSegment(*model, 0, last, EdgeTpuSpec{});
  ASSERT_TRUE(placement.ok());
  ASSERT_FALSE(placement->cpu_ops.empty());
  ASSERT_GT(placement->cpu_ops_ns, 0);
  const double device_ns = EstimateSegmentTiming(*placement, EdgeTpuSpec{}).total_ns();

  for (const HostProfile& host : {NativeHostProfile(), PaperHostProfile()}) {
    SCOPED_TRACE(host.name);
    ModelProfiler planner(*model, EdgeTpuSpec{}, host);
    StatusOr<SegmentProfile> planned = planner.Profile(0, last, kTpu);
    ASSERT_TRUE(planned.ok()) << planned.status().message();
    EXPECT_NEAR(planned->stage_ms, StageTimeNs(device_ns + placement->cpu_ops_ns, host) * 1e-6,
                1e-9);
    EXPECT_GT(planned->stage_ms, StageTimeNs(device_ns, host) * 1e-6);

    SimulatedProfiler simulated(*model, EdgeTpuSpec{}, host);
    StatusOr<SegmentProfile> sim = simulated.Profile(0, last, kTpu);
    ASSERT_TRUE(sim.ok()) << sim.status().message();
    EXPECT_NEAR(sim->stage_ms / planned->stage_ms, 1.0, 0.01);

    RunConfig config;
    config.devices = "edgetpu:1";
    config.simulate = true;
    config.batch = 20;
    config.host_profile = host.name;
    StatusOr<RunReport> run = RunPipeline(*model, config);
    ASSERT_TRUE(run.ok()) << run.status().message();
    ASSERT_EQ(run->stages.size(), 1u);
    // The stage's service time in the run plus its hand-off is the plan's stage time.
    EXPECT_NEAR((run->stages[0].service_ms + host.per_hop_ns * 1e-6) / planned->stage_ms, 1.0,
                0.01);
  }
}

INSTANTIATE_TEST_SUITE_P(
    CoralHybrids, HybridStageTest,
    testing::Values("deeplabv3_mnv2_dm05_pascal_quant.tflite",
                    "posenet__posenet_mobilenet_v1_075_353_481_16_quant_decoder.tflite"));

TEST(CpuOpsStageTest, SegmentWithoutCpuOpsIsUnchanged) {
  synth::FcConfig c;
  c.hidden = 300;
  c.calibration_inputs = 0;
  StatusOr<synth::SynthModel> synth = synth::SynthesizeFc(c);
  ASSERT_TRUE(synth.ok());
  const Model& model = synth->model;
  const int last = static_cast<int>(model.ops.size()) - 1;
  StatusOr<SegmentPlacement> placement = PlaceSegment(model, 0, last, EdgeTpuSpec{});
  ASSERT_TRUE(placement.ok());
  EXPECT_TRUE(placement->cpu_ops.empty());
  EXPECT_EQ(placement->cpu_ops_ns, 0);
  const SegmentTiming timing = EstimateSegmentTiming(*placement, EdgeTpuSpec{});
  const HostProfile host = PaperHostProfile();
  ModelProfiler planner(model, EdgeTpuSpec{}, host);
  StatusOr<SegmentProfile> planned = planner.Profile(0, last, kTpu);
  ASSERT_TRUE(planned.ok());
  EXPECT_DOUBLE_EQ(planned->stage_ms, StageTimeNs(timing.total_ns(), host) * 1e-6);
  // The phase builder adds no phase for a segment without CPU ops.
  EXPECT_EQ(EdgeTpuSimStage(timing, placement->cpu_ops_ns, host, false).phases.size(),
            EdgeTpuSimStage(timing, 0, host, false).phases.size());
}

}  // namespace
}  // namespace segpipe
