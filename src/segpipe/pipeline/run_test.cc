// RunPipeline beyond timing: replicated stages run threaded and simulated, the trace of both is
// Chrome Trace Event JSON with one track per stage, a pipelined run streams in memory that does
// not grow with the batch, the paper's queue-all mode is refused above its memory limit, and
// every plan the planner makes becomes a runnable configuration.
#include "segpipe/pipeline/internal/run.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/partition/internal/planner.h"
#include "segpipe/synth/internal/paper_models.h"

namespace segpipe {
namespace {

Model Fc(int hidden, int inputs = 64) {
  synth::FcConfig config;
  config.hidden = hidden;
  config.inputs = inputs;
  config.calibration_inputs = 0;
  StatusOr<synth::SynthModel> m = synth::SynthesizeFc(config);
  SEGPIPE_CHECK(m.ok());
  return std::move(m->model);
}

// Peak resident set of this process since the last reset (Linux: VmHWM, reset by clear_refs).
bool ResetPeakRss() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5"); }
int64_t PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  int64_t value = 0;
  while (status >> key) {
    if (key == "VmHWM:") {
      status >> value;
      return value;
    }
    status.ignore(1 << 10, '\n');
  }
  return -1;
}

std::set<std::string> TrackNames(const std::string& json) {
  const nlohmann::json j = nlohmann::json::parse(json);
  std::set<std::string> names;
  std::set<int> used;
  for (const nlohmann::json& e : j.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name")
      names.insert(e.at("args").at("name").get<std::string>());
    if (e.at("ph") == "X") used.insert(e.at("tid").get<int>());
  }
  EXPECT_EQ(used.size(), names.size()) << "every track has events";
  return names;
}

TEST(RunPipelineTest, ReplicatedStagesRunThreadedAndSimulated) {
  const Model model = Fc(2620);
  RunConfig config;
  config.devices = "edgetpu:4";
  config.split = "2,3";
  config.replicas = {1, 2, 1};
  config.batch = 20;
  for (bool simulate : {true, false}) {
    config.simulate = simulate;
    StatusOr<RunReport> r = RunPipeline(model, config);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->stages.size(), 3u);
    EXPECT_EQ(r->stages[1].replicas, 2);
    EXPECT_GT(r->time_per_inference_ms, 0);
    const nlohmann::json j = nlohmann::json::parse(RunReportJson(*r));
    EXPECT_EQ(j["stages"][1]["replicas"], 2);
  }
  config.replicas = {1, 2};  // 3 devices of 4
  EXPECT_EQ(RunPipeline(model, config).status().code(), StatusCode::kInvalidArgument);
  config.devices = "cpu,edgetpu,edgetpu";
  config.replicas = {2, 1};  // a CPU and an Edge TPU cannot serve one stage
  EXPECT_EQ(RunPipeline(model, config).status().code(), StatusCode::kInvalidArgument);
}

TEST(RunPipelineTest, TracesOfRuntimeAndSimulatorHaveOneTrackPerStage) {
  const Model model = Fc(2620);
  RunConfig config;
  config.devices = "edgetpu:3";
  config.batch = 10;
  config.trace = true;
  for (bool simulate : {true, false}) {
    config.simulate = simulate;
    StatusOr<RunReport> r = RunPipeline(model, config);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(TrackNames(r->trace_json), (std::set<std::string>{"stage 1", "stage 2", "stage 3"}))
        << (simulate ? "simulated" : "threaded");
    const nlohmann::json j = nlohmann::json::parse(r->trace_json);
    int invocations = 0;
    for (const nlohmann::json& e : j["traceEvents"]) invocations += e.value("cat", "") == "invoke";
    EXPECT_EQ(invocations, 30);
  }
  config.trace = false;
  StatusOr<RunReport> quiet = RunPipeline(model, config);
  ASSERT_TRUE(quiet.ok());
  EXPECT_TRUE(quiet->trace_json.empty());
}

TEST(RunPipelineTest, QueueAllIsRefusedAboveTheMemoryLimitAndStreamingIsNot) {
  const Model model = Fc(2620);
  RunConfig config;
  config.devices = "edgetpu:2";
  config.simulate = true;
  config.batch = 1'000'000;
  config.queue_all_inputs = true;
  config.memory_limit_bytes = 64 << 20;  // 10^6 inputs of 64 bytes (+ frame overhead) exceed it
  StatusOr<RunReport> refused = RunPipeline(model, config);
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("stream"), std::string::npos)
      << refused.status().message();
  config.queue_all_inputs = false;
  StatusOr<RunReport> streamed = RunPipeline(model, config);
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  EXPECT_EQ(streamed->batch, 1'000'000);
}

TEST(RunPipelineTest, StreamedRunPeakMemoryDoesNotGrowWithTheBatch) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer shadow memory and quarantine dominate the resident set";
#endif
  if (!ResetPeakRss()) GTEST_SKIP() << "no /proc/self/clear_refs";
  // 16 KiB inputs on paced Edge TPUs (~0.15 ms per stage, no CPU compute): materializing the
  // batch, as runs did before they streamed, would add ~64 MiB at B = 4000.
  const Model model = Fc(16, 16384);
  RunConfig config;
  config.devices = "edgetpu:2";
  auto peak_kib = [&](int batch) {
    config.batch = batch;
    ResetPeakRss();
    StatusOr<RunReport> r = RunPipeline(model, config);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return PeakRssKib();
  };
  peak_kib(200);  // warm-up: allocator pools, kernels
  const int64_t small = peak_kib(200);
  const int64_t large = peak_kib(4'000);
  std::printf("peak RSS: B=200 %lld KiB, B=4000 %lld KiB\n", static_cast<long long>(small),
              static_cast<long long>(large));
  EXPECT_LE(large, small * 11 / 10 + 1024);
}

TEST(RunPipelineTest, EveryAutoPlanBecomesARunnableConfiguration) {
  const Model model = Fc(2620);
  ModelProfiler profiler(model);
  PlanOptions options;
  options.strategy = Strategy::kAuto;
  options.objective = Objective::Batch(50);
  StatusOr<std::vector<StageDevice>> devices = ParseStageDevices("edgetpu:4");
  ASSERT_TRUE(devices.ok());
  options.devices = *devices;
  StatusOr<Plan> plan = MakePlan(model, profiler, options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const AutoOption& option : plan->auto_options) {
    LoadedPlan loaded{option.partition, static_cast<int>(model.ops.size()), "auto"};
    StatusOr<RunConfig> config = RunConfigForPlan(loaded, model);
    ASSERT_TRUE(config.ok()) << option.layout << ": " << config.status().ToString();
    config->simulate = true;
    config->batch = 50;
    StatusOr<RunReport> run = RunPipeline(model, *config);
    ASSERT_TRUE(run.ok()) << option.layout << ": " << run.status().ToString();
    EXPECT_NEAR(run->time_per_inference_ms / option.time_per_inference_ms, 1, 0.05)
        << option.layout;
  }
}

}  // namespace
}  // namespace segpipe
