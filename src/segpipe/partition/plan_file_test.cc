// Plan files: written and read back, and bad files refused with a message.
#include "segpipe/partition/internal/plan_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "segpipe/core/internal/file_io.h"

namespace segpipe {
namespace {

Plan SamplePlan() {
  Plan plan;
  plan.strategy = Strategy::kOptimal;
  plan.profile = "model";
  const StageDevice cpu{StageDevice::Kind::kCpu, 0}, tpu{StageDevice::Kind::kEdgeTpu, 0};
  plan.partition.segments = {{0, 3, cpu, 1}, {4, 8, tpu, 2}};
  plan.segments = {{0.5, 0, 100}, {0.25, 2000, 0}};
  plan.time_per_inference_ms = 0.5;
  plan.profiles_taken = 15;
  return plan;
}

TEST(PlanFileTest, RoundTripsThroughAFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "segpipe_plan_file_test.json").string();
  ASSERT_TRUE(SavePlanFile(path, SamplePlan(), 9).ok());
  auto loaded = LoadPlanFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->num_ops, 9);
  EXPECT_EQ(loaded->strategy, "optimal");
  EXPECT_EQ(loaded->partition, SamplePlan().partition);
  EXPECT_EQ(LastOps(loaded->partition), std::vector<int>({3, 8}));
  std::filesystem::remove(path);
}

TEST(PlanFileTest, RoundTripsStageHosts) {
  Plan plan = SamplePlan();
  plan.partition.segments[0].device.host = "10.0.0.2:7070";
  plan.partition.segments[1].device.host = "[::1]:7071";
  plan.links = {{"coordinator", "10.0.0.2:7070", 0, 100, 0.001, 0.201, "default"}};
  const std::string path =
      (std::filesystem::temp_directory_path() / "segpipe_plan_file_hosts_test.json").string();
  ASSERT_TRUE(SavePlanFile(path, plan, 9).ok());
  auto loaded = LoadPlanFile(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->partition, plan.partition);
  EXPECT_EQ(loaded->partition.segments[0].device.host, "10.0.0.2:7070");
  EXPECT_EQ(loaded->partition.segments[1].device.host, "[::1]:7071");
  const nlohmann::json j = PlanToJson(plan, 9);
  EXPECT_EQ(j["devices"], "cpu:1@10.0.0.2:7070,edgetpu:2@[::1]:7071");
  EXPECT_EQ(j["segments"][0]["device"], "cpu:0@10.0.0.2:7070");
  ASSERT_EQ(j["links"].size(), 1u);
  EXPECT_EQ(j["links"][0]["to"], "10.0.0.2:7070");
  EXPECT_EQ(j["links"][0]["bytes"], 100);
  // A bad host is refused naming it.
  std::string text = j.dump();
  const std::string good = "\"cpu:0@10.0.0.2:7070\"";
  const size_t at = text.find(good);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, good.size(), "\"cpu:0@10.0.0.2:99999\"");
  auto bad = ParsePlanJson(text);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("99999"), std::string::npos) << bad.status().message();
}

TEST(PlanFileTest, JsonHasTheDocumentedKeys) {
  nlohmann::json j = PlanToJson(SamplePlan(), 9);
  for (const char* key : {"strategy", "segments", "time_per_inference_ms", "profiles_taken"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"first_op", "last_op", "on_chip_bytes", "off_chip_bytes", "stage_ms"})
    EXPECT_TRUE(j["segments"][1].contains(key)) << key;
  // Parameter placement is an Edge TPU notion: the CPU stage has none.
  EXPECT_FALSE(j["segments"][0].contains("on_chip_bytes"));
  EXPECT_TRUE(j["segments"][0].contains("stage_ms"));
  EXPECT_EQ(j["devices"], "cpu:1,edgetpu:2");
}

TEST(PlanFileTest, RefusesBrokenPlansWithAMessage) {
  const std::string good = PlanToJson(SamplePlan(), 9).dump();
  EXPECT_EQ(ParsePlanJson("{not json").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParsePlanJson("[]").status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(ParsePlanJson(R"({"format":"segpipe-plan","version":1})").ok());
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"last_op\":3", "\"last_op\":5"},        // gap in coverage
           {"\"last_op\":3", "\"last_op\":-3"},       // negative
           {"\"last_op\":3", "\"last_op\":\"3\""},    // wrong type
           {"\"num_ops\":9", "\"num_ops\":12"},       // does not cover the model
           {"\"replicas\":2", "\"replicas\":0"},
           {"\"device\":\"cpu:0\"", "\"device\":\"gpu:0\""},
           {"\"version\":1", "\"version\":7"}}) {
    std::string text = good;
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    auto plan = ParsePlanJson(text);
    EXPECT_FALSE(plan.ok()) << to;
    if (!plan.ok()) {
      EXPECT_FALSE(plan.status().message().empty());
    }
  }
  EXPECT_EQ(LoadPlanFile("/nonexistent/plan.json").status().code(), StatusCode::kNotFound);
}

TEST(PlanFileTest, ChecksThePlanAgainstTheModel) {
  auto loaded = ParsePlanJson(PlanToJson(SamplePlan(), 9).dump());
  ASSERT_TRUE(loaded.ok());
  Model model;
  model.ops.resize(10);
  EXPECT_EQ(CheckPlanFitsModel(*loaded, model).code(), StatusCode::kInvalidArgument);
  model.ops.resize(9);
  EXPECT_TRUE(CheckPlanFitsModel(*loaded, model).ok());
}

TEST(PlanFileTest, FingerprintBindsThePlanToItsModelFile) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "segpipe_plan_fingerprint";
  std::filesystem::create_directories(dir);
  const std::string a = (dir / "a.tflite").string(), b = (dir / "b.tflite").string();
  ASSERT_TRUE(WriteFileAtomically(a, std::string_view("model a")).ok());
  ASSERT_TRUE(WriteFileAtomically(b, std::string_view("model b")).ok());
  const std::string path = (dir / "plan.json").string();
  ASSERT_TRUE(SavePlanFile(path, SamplePlan(), 9, a).ok());
  auto loaded = LoadPlanFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->model_path, a);
  EXPECT_EQ(loaded->model_sha256.size(), 64u);
  EXPECT_TRUE(CheckPlanMatchesModelFile(*loaded, path, a).ok());
  const Status other = CheckPlanMatchesModelFile(*loaded, path, b);
  EXPECT_EQ(other.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(other.message().find("a.tflite"), std::string::npos) << other.message();
  EXPECT_NE(other.message().find("b.tflite"), std::string::npos) << other.message();
  // A plan without a fingerprint cannot be checked, so it is refused with how to remake it.
  auto bare = ParsePlanJson(PlanToJson(SamplePlan(), 9).dump());
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(CheckPlanMatchesModelFile(*bare, path, a).code(), StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace segpipe
