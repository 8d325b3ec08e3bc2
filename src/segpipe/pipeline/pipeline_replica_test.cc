// Replicated stages in the threaded runtime: several devices serve one stage, results still
// leave in input order, a failing replica fails the stream like any device, and the timeline
// trace has one track per device.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/internal/toy_model_testutil.h"

namespace segpipe {
namespace {

using testing::RunWithDeadline;
using testing::ToyDevice;
using testing::ToyExpected;
using Io = testing::ToyIo;
using testing::ToyResidualModel;

// A toy device that takes a different, input-dependent time, so replicas finish out of order;
// optionally fails on one input.
class JitteryToy : public ToyDevice {
 public:
  explicit JitteryToy(int salt, int64_t fail_at = -1) : salt_(salt), fail_at_(fail_at) {}
  Status Invoke(int64_t seq, const DeviceIo& io) override {
    std::this_thread::sleep_for(std::chrono::microseconds(((seq * 7 + salt_ * 3) % 5) * 40));
    if (seq == fail_at_) return UnavailableError(fmt::format("injected fault on input {}", seq));
    return ToyDevice::Invoke(seq, io);
  }

 private:
  int salt_;
  int64_t fail_at_;
};

std::vector<std::unique_ptr<Device>> Replicated(std::span<const int> replicas, int fail_stage = -1,
                                                int fail_replica = -1, int64_t fail_at = -1) {
  std::vector<std::unique_ptr<Device>> d;
  for (size_t s = 0; s < replicas.size(); ++s)
    for (int r = 0; r < replicas[s]; ++r)
      d.push_back(std::make_unique<JitteryToy>(
          static_cast<int>(s) * 5 + r,
          static_cast<int>(s) == fail_stage && r == fail_replica ? fail_at : -1));
  return d;
}

TEST(PipelineReplicaTest, ReplicatedStagesKeepInputOrderAndResults) {
  Model m = ToyResidualModel();
  const int split[] = {0, 2, 4};
  const std::vector<std::vector<int>> layouts = {{1, 3, 2}, {2, 1, 1}, {3, 3, 3}};
  for (const std::vector<int>& replicas : layouts) {
    RunWithDeadline([&] {
      PipelineOptions options;
      options.replicas = replicas;
      auto p = Pipeline::Create(m, split, Replicated(replicas), options);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      ASSERT_EQ((*p)->num_replicas(1), replicas[1]);
      ASSERT_TRUE((*p)->Start().ok());
      constexpr int kInputs = 120;
      std::thread producer([&] {
        for (int k = 0; k < kInputs; ++k) ASSERT_TRUE((*p)->Push(Io(k).ins).ok());
        (*p)->CloseInput();
      });
      int64_t next = 0;
      Io out(0);
      while (std::optional<PopResult> r = (*p)->Pop(out.outs)) {
        ASSERT_TRUE(r->status.ok()) << r->status.ToString();
        EXPECT_EQ(r->sequence, next);
        const auto expected = ToyExpected(m, next);
        EXPECT_EQ(out.out0, expected[0]);
        EXPECT_EQ(out.out1, expected[1]);
        ++next;
      }
      producer.join();
      EXPECT_EQ(next, kInputs);
      EXPECT_TRUE((*p)->Finish().ok());
      const PipelineStats stats = (*p)->Stats();
      for (size_t s = 0; s < stats.stages.size(); ++s) {
        EXPECT_EQ(stats.stages[s].count, kInputs);
        EXPECT_EQ(stats.stages[s].replicas, replicas[s]);
      }
    });
  }
}

TEST(PipelineReplicaTest, AFailingReplicaFailsEveryLaterInput) {
  Model m = ToyResidualModel();
  const int split[] = {0, 2, 4};
  const int replicas[] = {2, 3, 2};
  for (int stage = 0; stage < 3; ++stage) {
    RunWithDeadline([&] {
      PipelineOptions options;
      options.replicas.assign(std::begin(replicas), std::end(replicas));
      // Input 37 goes to whichever replica is free: make every replica of the stage fail on it.
      std::vector<std::unique_ptr<Device>> devices;
      for (int s = 0; s < 3; ++s)
        for (int r = 0; r < replicas[s]; ++r)
          devices.push_back(std::make_unique<JitteryToy>(s * 5 + r, s == stage ? 37 : -1));
      auto p = Pipeline::Create(m, split, std::move(devices), options);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE((*p)->Start().ok());
      std::atomic<int64_t> accepted{0};
      std::thread producer([&] {
        for (int k = 0; k < 100; ++k) {
          if (!(*p)->Push(Io(k).ins).ok()) break;
          accepted.fetch_add(1);
        }
        (*p)->CloseInput();
      });
      int64_t next = 0;
      Io out(0);
      while (std::optional<PopResult> r = (*p)->Pop(out.outs)) {
        EXPECT_EQ(r->sequence, next);
        if (next < 37) {
          EXPECT_TRUE(r->status.ok()) << r->status.ToString();
        } else {
          EXPECT_EQ(r->status.code(), StatusCode::kUnavailable) << "input " << next;
          EXPECT_NE(r->status.message().find("input 37"), std::string::npos);
        }
        ++next;
      }
      producer.join();
      EXPECT_EQ(next, accepted.load());
      EXPECT_GE(accepted.load(), 38);
      EXPECT_EQ((*p)->Finish().code(), StatusCode::kUnavailable);
    });
  }
}

TEST(PipelineReplicaTest, StopReleasesReplicasWaitingForTheirTurn) {
  Model m = ToyResidualModel();
  const int split[] = {1, 4};
  const int replicas[] = {3, 1};
  RunWithDeadline([&] {
    PipelineOptions options;
    options.replicas.assign(std::begin(replicas), std::end(replicas));
    auto p = Pipeline::Create(m, split, Replicated(replicas), options);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE((*p)->Start().ok());
    for (int k = 0; k < 4; ++k) ASSERT_TRUE((*p)->Push(Io(k).ins).ok());
    (*p)->Stop();  // nobody pops: replicas are blocked on output or on their turn
  });
}

TEST(PipelineReplicaTest, RejectsReplicaCountsThatDoNotMatchTheDevices) {
  Model m = ToyResidualModel();
  const int split[] = {1, 4};
  PipelineOptions options;
  options.replicas = {2, 1};
  EXPECT_EQ(Pipeline::Create(m, split, Replicated(std::vector<int>{1, 1}), options).status().code(),
            StatusCode::kInvalidArgument);
  options.replicas = {2};
  EXPECT_EQ(Pipeline::Create(m, split, Replicated(std::vector<int>{2, 1}), options).status().code(),
            StatusCode::kInvalidArgument);
  options.replicas = {0, 3};
  EXPECT_FALSE(Pipeline::Create(m, split, Replicated(std::vector<int>{1, 2}), options).ok());
}

TEST(PipelineReplicaTest, TraceHasOneTrackPerDeviceAndParsesAsChromeTraceJson) {
  Model m = ToyResidualModel();
  const int split[] = {0, 2, 4};
  const std::vector<int> replicas = {1, 2, 1};
  constexpr int kInputs = 20;
  PipelineTrace trace(PipelineTrace::EventsFor(kInputs, 3));
  RunWithDeadline([&] {
    PipelineOptions options;
    options.replicas = replicas;
    options.trace = &trace;
    auto p = Pipeline::Create(m, split, Replicated(replicas), options);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE((*p)->Start().ok());
    std::vector<Io> ios;
    for (int k = 0; k < kInputs; ++k) ios.emplace_back(k);
    std::vector<std::vector<std::span<const uint8_t>>> ins;
    std::vector<std::vector<std::span<uint8_t>>> outs;
    for (Io& io : ios) {
      ins.push_back(io.ins);
      outs.push_back(io.outs);
    }
    std::vector<Status> statuses(kInputs);
    ASSERT_TRUE((*p)->RunBatch(ins, outs, statuses).ok());
    ASSERT_TRUE((*p)->Finish().ok());
  });
  const std::vector<std::string> names = {"stage 1", "stage 2", "stage 3"};
  const nlohmann::json j = nlohmann::json::parse(trace.ToChromeJson(names, replicas));
  std::set<int> tracks, named;
  int invocations = 0, flows = 0;
  for (const nlohmann::json& e : j.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "M" && e.at("name") == "thread_name") named.insert(e.at("tid").get<int>());
    if (ph == "X") {
      tracks.insert(e.at("tid").get<int>());
      EXPECT_GE(e.at("dur").get<double>(), 0);
      invocations += e.at("cat") == "invoke";
    }
    flows += ph == "s";
  }
  EXPECT_EQ(named.size(), 4u);  // stage 1, stage 2 replicas 1 and 2, stage 3
  EXPECT_EQ(tracks, named);
  EXPECT_EQ(invocations, 3 * kInputs);
  EXPECT_EQ(flows, 2 * kInputs);  // one hop per input between consecutive stages
  EXPECT_EQ(trace.dropped(), 0);
}

}  // namespace
}  // namespace segpipe
