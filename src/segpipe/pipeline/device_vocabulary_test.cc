// One device vocabulary end to end: a plan over `edgetpu-usb` and mixed device lists, its plan
// file, and `run --plan` of it in the simulator, all with the USB link's timing.
#include <gtest/gtest.h>

#include <cmath>

#include "segpipe/device/internal/device_list.h"
#include "segpipe/device/internal/pipeline_time.h"
#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/partition/internal/plan_file.h"
#include "segpipe/partition/internal/planner.h"
#include "segpipe/pipeline/internal/profilers.h"
#include "segpipe/pipeline/internal/run.h"
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

StatusOr<Plan> PlanOn(const Model& model, SegmentProfiler& profiler, const std::string& devices) {
  PlanOptions options;
  options.strategy = Strategy::kOptimal;
  SEGPIPE_ASSIGN_OR_RETURN(options.devices, ParseStageDevices(devices));
  return MakePlan(model, profiler, options);
}

// The same chip behind USB: the same placement, the USB link's invoke cost and rate.
TEST(DeviceVocabularyTest, PlansOnUsbEdgeTpusWithTheUsbLinkTiming) {
  const Model model = Fc(1620);
  ModelProfiler profiler(model);
  auto pcie = PlanOn(model, profiler, "edgetpu:2");
  auto usb = PlanOn(model, profiler, "edgetpu-usb:2");
  ASSERT_TRUE(pcie.ok()) << pcie.status().ToString();
  ASSERT_TRUE(usb.ok()) << usb.status().ToString();
  ASSERT_EQ(usb->partition.segments.size(), 2u);
  for (const Segment& s : usb->partition.segments)
    EXPECT_EQ(s.device.kind, DeviceKind::kEdgeTpuUsb);
  EXPECT_EQ(DeviceName(usb->partition.segments[1].device), "edgetpu-usb:1");
  EXPECT_NE(usb->time_per_inference_ms, pcie->time_per_inference_ms);
  // Each USB stage costs what the USB spec says for its segment, on the PCIe placement.
  for (size_t k = 0; k < usb->segments.size(); ++k) {
    const Segment& s = usb->partition.segments[k];
    auto placement = PlaceSegment(model, s.first_op, s.last_op, EdgeTpuSpec{});
    ASSERT_TRUE(placement.ok());
    const SegmentTiming timing =
        EstimateSegmentTiming(*placement, EdgeTpuSpecFor(EdgeTpuLink::kUsb));
    EXPECT_DOUBLE_EQ(
        usb->segments[k].stage_ms,
        StageTimeNs(timing.total_ns() + placement->cpu_ops_ns, NativeHostProfile()) * 1e-6)
        << k;
    EXPECT_EQ(usb->segments[k].on_chip_bytes, placement->on_chip_bytes);
  }
}

TEST(DeviceVocabularyTest, MixedListPlanRoundTripsAndRunsFromItsPlanFile) {
  const Model model = Fc(1620);
  MixedProfiler profiler(std::make_unique<SimulatedProfiler>(model),
                         std::make_unique<MeasuredProfiler>(model, MeasureOptions{.repeats = 1}));
  auto plan = PlanOn(model, profiler, "cpu:1,edgetpu:2,edgetpu-usb:1");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const int num_ops = static_cast<int>(model.ops.size());
  const nlohmann::json j = PlanToJson(*plan, num_ops);
  EXPECT_EQ(j["devices"], "cpu:1,edgetpu:2,edgetpu-usb:1");
  auto loaded = ParsePlanJson(j.dump());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->partition, plan->partition);

  auto config = RunConfigForPlan(*loaded, model);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto kinds = ParseDeviceList(config->devices);
  ASSERT_TRUE(kinds.ok()) << kinds.status().ToString();
  std::vector<DeviceKind> want;
  for (const Segment& s : plan->partition.segments)
    want.insert(want.end(), static_cast<size_t>(s.replicas), s.device.kind);
  EXPECT_EQ(*kinds, want);
  config->simulate = true;
  config->batch = 4;
  auto report = RunPipeline(model, *config);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->stages.size(), plan->partition.segments.size());
  for (size_t k = 0; k < report->stages.size(); ++k)
    EXPECT_EQ(report->stages[k].kind, plan->partition.segments[k].device.kind) << k;
}

TEST(DeviceVocabularyTest, SimulatedUsbRunMatchesTheUsbPlan) {
  const Model model = Fc(1620);
  ModelProfiler profiler(model);
  auto plan = PlanOn(model, profiler, "edgetpu-usb:2");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  LoadedPlan loaded;
  loaded.partition = plan->partition;
  loaded.num_ops = static_cast<int>(model.ops.size());
  auto config = RunConfigForPlan(loaded, model);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->devices, "edgetpu-usb,edgetpu-usb");
  config->simulate = true;
  auto report = RunPipeline(model, *config);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // The simulated stage serves in the USB device's time, not the PCIe one's.
  for (size_t k = 0; k < report->stages.size(); ++k) {
    const Segment& s = plan->partition.segments[k];
    auto placement = PlaceSegment(model, s.first_op, s.last_op, EdgeTpuSpec{});
    ASSERT_TRUE(placement.ok());
    const double usb_ms =
        EstimateSegmentTiming(*placement, EdgeTpuSpecFor(EdgeTpuLink::kUsb)).total_ns() * 1e-6;
    const double pcie_ms = EstimateSegmentTiming(*placement, EdgeTpuSpec{}).total_ns() * 1e-6;
    EXPECT_NEAR(report->stages[k].service_ms, usb_ms, 0.01 * usb_ms) << k;
    EXPECT_GT(std::abs(report->stages[k].service_ms - pcie_ms), 0.05 * pcie_ms) << k;
  }
}

TEST(DeviceVocabularyTest, PlanFilesRejectUnknownDeviceKinds) {
  const Model model = Fc(100);
  ModelProfiler profiler(model);
  auto plan = PlanOn(model, profiler, "edgetpu-usb:1");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  nlohmann::json j = PlanToJson(*plan, static_cast<int>(model.ops.size()));
  j["segments"][0]["device"] = "edgetpu-pci:0";
  auto loaded = ParsePlanJson(j.dump());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find("edgetpu-usb"), std::string::npos)
      << loaded.status().message();
}

}  // namespace
}  // namespace segpipe
