// The public API end to end on a small real model: plan over cpu:2, run the pipeline, compare
// with the whole model; plans round-trip through files; device failures reach every input.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "segpipe/device/internal/test_device.h"
#include "segpipe/segpipe.h"

namespace segpipe::api {
namespace {

const std::string kModel =
    std::string(SEGPIPE_SHARED_DIR) + "/models/coral/mobilenet_v1_0.25_128_quant.tflite";

std::vector<std::vector<uint8_t>> RandomInput(const Model& model, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<uint8_t>> in;
  for (const TensorInfo& t : model.inputs()) {
    in.emplace_back(static_cast<size_t>(t.num_bytes));
    for (uint8_t& b : in.back()) b = static_cast<uint8_t>(rng());
  }
  return in;
}

std::vector<std::span<const uint8_t>> Spans(const std::vector<std::vector<uint8_t>>& v) {
  return {v.begin(), v.end()};
}

TEST(ApiTest, LoadDescribesTheModel) {
  StatusOr<Model> model = Model::Load(kModel);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_EQ(model->inputs().size(), 1u);
  EXPECT_EQ(model->inputs()[0].dtype, "uint8");
  EXPECT_EQ(model->inputs()[0].shape, (std::vector<int32_t>{1, 128, 128, 3}));
  EXPECT_GT(model->macs(), 0);
  EXPECT_EQ(model->sha256().size(), 64u);
}

TEST(ApiTest, MissingModelIsNotFound) {
  StatusOr<Model> model = Model::Load("/nonexistent/model.tflite");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
  EXPECT_NE(model.status().message().find("/nonexistent/model.tflite"), std::string::npos);
}

TEST(ApiTest, TwoStagePipelineMatchesTheWholeModel) {
  StatusOr<Model> model = Model::Load(kModel);
  ASSERT_TRUE(model.ok());
  StatusOr<Plan> plan = Planner({.devices = "cpu:2", .strategy = "uniform"}).MakePlan(*model);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->segments().size(), 2u);
  auto runner = PipelinedModelRunner::Create(*model, *plan);
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  constexpr int kInputs = 4;
  for (int k = 0; k < kInputs; ++k) ASSERT_TRUE((*runner)->Push(RandomInput(*model, k)).ok());
  (*runner)->Close();
  std::vector<std::vector<uint8_t>> out;
  for (int k = 0; k < kInputs; ++k) {
    std::optional<RunnerResult> r = (*runner)->Pop(&out);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->sequence, k);
    ASSERT_TRUE(r->status.ok()) << r->status.ToString();
    const auto in = RandomInput(*model, k);
    auto whole = RunModel(*model, Spans(in));
    ASSERT_TRUE(whole.ok());
    EXPECT_EQ(out, *whole);
  }
  EXPECT_FALSE((*runner)->Pop(&out).has_value());
  EXPECT_TRUE((*runner)->Finish().ok());
  EXPECT_EQ((*runner)->Stats().completed, kInputs);
}

TEST(ApiTest, PlanRoundTripsThroughAFile) {
  StatusOr<Model> model = Model::Load(kModel);
  ASSERT_TRUE(model.ok());
  StatusOr<Plan> plan = Planner({.devices = "edgetpu:2", .strategy = "optimal"}).MakePlan(*model);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const std::string path =
      (std::filesystem::temp_directory_path() / "segpipe_api_test_plan.json").string();
  ASSERT_TRUE(plan->Save(path).ok());
  StatusOr<Plan> back = Plan::Load(path);
  std::remove(path.c_str());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->segments().size(), plan->segments().size());
  for (size_t k = 0; k < plan->segments().size(); ++k) {
    EXPECT_EQ(back->segments()[k].last_op, plan->segments()[k].last_op);
    EXPECT_EQ(back->segments()[k].on_chip_bytes, plan->segments()[k].on_chip_bytes);
  }
  EXPECT_DOUBLE_EQ(back->time_per_inference_ms(), plan->time_per_inference_ms());
  StatusOr<SimulationReport> sim = Simulate(*model, *back, {.batch = 10});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  EXPECT_GT(sim->time_per_inference_ms, 0);
  EXPECT_EQ(sim->stages.size(), 2u);
}

TEST(ApiTest, DeviceFailureReachesEveryLaterInputThenEndOfStream) {
  StatusOr<Model> model = Model::Load(kModel);
  ASSERT_TRUE(model.ok());
  StatusOr<Plan> plan = Planner({.devices = "cpu:2", .strategy = "uniform"}).MakePlan(*model);
  ASSERT_TRUE(plan.ok());
  DeviceFactory cpu = DefaultDeviceFactory(*model, *plan);
  DeviceFactory factory = [&](const DeviceRequest& r) -> StatusOr<std::unique_ptr<Device>> {
    if (r.stage == 1) return std::unique_ptr<Device>(new TestDevice({.fail_at_sequence = 2}));
    return cpu(r);
  };
  auto runner = PipelinedModelRunner::Create(*model, *plan, factory);
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  int accepted = 0;
  for (int k = 0; k < 6; ++k)
    if ((*runner)->Push(RandomInput(*model, k)).ok()) ++accepted;
  (*runner)->Close();
  std::vector<std::vector<uint8_t>> out;
  int popped = 0;
  while (std::optional<RunnerResult> r = (*runner)->Pop(&out)) {
    EXPECT_EQ(r->sequence, popped);
    EXPECT_EQ(r->status.ok(), r->sequence < 2) << r->sequence;
    if (!r->status.ok()) {
      EXPECT_EQ(r->status.code(), StatusCode::kUnavailable);
    }
    ++popped;
  }
  EXPECT_EQ(popped, accepted);
  EXPECT_EQ((*runner)->Finish().code(), StatusCode::kUnavailable);
}

TEST(ApiTest, CompileWritesThePlansSegments) {
  StatusOr<Model> model = Model::Load(kModel);
  ASSERT_TRUE(model.ok());
  StatusOr<Plan> plan = Planner({.devices = "edgetpu:2", .strategy = "uniform"}).MakePlan(*model);
  ASSERT_TRUE(plan.ok());
  const auto dir = std::filesystem::temp_directory_path() / "segpipe_api_test_segments";
  std::filesystem::remove_all(dir);
  auto files = CompileSegments(*model, dir.string(), 1, &*plan);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  for (const std::string& f : *files) {
    StatusOr<Model> piece = Model::Load(f);
    EXPECT_TRUE(piece.ok()) << f;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace segpipe::api
