// #11's acceptance on the paper's models: `plan --strategy auto --objective batch:50` on 4 Edge
// TPUs (replication allowed), then the plan run with `--batch 50`: simulated within 5% of the
// plan's time per inference, and paced (threaded) as well. FC n = 1980, 2340, 2620 and CONV
// f = 452, 702; full-size models, label `slow`. And with the `paper` host profile, `--profile
// model` and `--profile simulate` choose the same layers and periods within 3% (FC n = 2340 on
// 3 TPUs, batch:50). Paced runs go under SCHED_FIFO where permitted (RealtimeTest).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/partition/internal/planner.h"
#include "segpipe/pipeline/internal/profilers.h"
#include "segpipe/pipeline/internal/realtime_testutil.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/synth/internal/paper_models.h"

namespace segpipe {
namespace {

Model PaperModel(bool fc, int size) {
  StatusOr<synth::SynthModel> m = [&] {
    if (fc) {
      synth::FcConfig c;
      c.hidden = size;
      c.calibration_inputs = 0;
      return synth::SynthesizeFc(c);
    }
    synth::ConvConfig c;
    c.filters = size;
    c.calibration_inputs = 0;
    return synth::SynthesizeConv(c);
  }();
  SEGPIPE_CHECK(m.ok());
  return std::move(m->model);
}

using RunPaperModelsTest = testing::RealtimeTest;

PlanOptions AutoBatch50(const std::string& devices) {
  PlanOptions options;
  options.strategy = Strategy::kAuto;
  options.objective = Objective::Batch(50);
  options.devices = *ParseStageDevices(devices);
  return options;
}

TEST_F(RunPaperModelsTest, AutoPlansOnFourTpusRunWithinFivePercentOfThePlan) {
  const std::pair<bool, int> models[] = {
      {true, 1980}, {true, 2340}, {true, 2620}, {false, 452}, {false, 702}};
  for (const auto& [fc, size] : models) {
    const std::string name = fmt::format("{} {}", fc ? "FC n =" : "CONV f =", size);
    const Model model = PaperModel(fc, size);
    ModelProfiler profiler(model);
    StatusOr<Plan> plan = MakePlan(model, profiler, AutoBatch50("edgetpu:4"));
    ASSERT_TRUE(plan.ok()) << name << ": " << plan.status().ToString();
    LoadedPlan loaded{plan->partition, static_cast<int>(model.ops.size()), "auto"};
    StatusOr<RunConfig> config = RunConfigForPlan(loaded, model);
    ASSERT_TRUE(config.ok()) << name << ": " << config.status().ToString();
    config->batch = 50;
    for (bool simulate : {true, false}) {
      config->simulate = simulate;
      StatusOr<RunReport> run = RunPipeline(model, *config);
      ASSERT_TRUE(run.ok()) << name << ": " << run.status().ToString();
      const double rel = run->time_per_inference_ms / plan->time_per_inference_ms - 1;
      std::printf("%s: plan %s %.4f ms, %s run %.4f ms (%+.2f%%)\n", name.c_str(),
                  FormatLayers(plan->partition, CutCandidates(model)).c_str(),
                  plan->time_per_inference_ms, simulate ? "simulated" : "paced",
                  run->time_per_inference_ms, 100 * rel);
      // The paced run can only be slowed by a loaded machine; it is checked loosely.
      if (simulate) {
        EXPECT_LE(std::abs(rel), 0.05) << name;
      } else {
        EXPECT_GT(rel, -0.05) << name;
      }
    }
  }
}

TEST_F(RunPaperModelsTest, ModelAndSimulateProfilesAgreeUnderThePaperHostProfile) {
  const Model model = PaperModel(true, 2340);
  ModelProfiler model_profiler(model, EdgeTpuSpec{}, PaperHostProfile());
  SimulatedProfiler simulated_profiler(model, EdgeTpuSpec{}, PaperHostProfile());
  for (Strategy strategy : {Strategy::kOptimal, Strategy::kAuto}) {
    PlanOptions options = AutoBatch50("edgetpu:3");
    options.strategy = strategy;
    StatusOr<Plan> a = MakePlan(model, model_profiler, options);
    StatusOr<Plan> b = MakePlan(model, simulated_profiler, options);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->partition, b->partition) << StrategyName(strategy);
    EXPECT_NEAR(a->period_ms / b->period_ms, 1, 0.03) << StrategyName(strategy);
    // The serialized host floor is counted by both: 3 stages x the paper's host work.
    EXPECT_GE(b->period_ms, 3 * PaperHostProfile().per_stage_host_ns * 1e-6 - 1e-9);
  }
}

}  // namespace
}  // namespace segpipe
