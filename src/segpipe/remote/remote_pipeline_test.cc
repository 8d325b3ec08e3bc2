// The coordinator against two in-process stage hosts: inputs pushed before Start, results equal
// to the in-process pipeline's and in order, and a host going away mid-stream: every accepted
// input comes out with its result or the error, and nothing hangs.
#include "segpipe/remote/internal/remote_pipeline.h"

#include <thread>

#include <gtest/gtest.h>

#include "segpipe/device/internal/cpu_device.h"
#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/remote/internal/stage_host.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe::remote {
namespace {

const std::string kModel =
    std::string(SEGPIPE_SHARED_DIR) + "/models/coral/mobilenet_v1_0.25_128_quant.tflite";

class RemotePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<Model> model = ReadTfliteFile(kModel);
    ASSERT_TRUE(model.ok());
    model_ = std::move(model).value();
    for (auto* host : {&a_, &b_}) {
      StageHostOptions o;
      o.listen = "127.0.0.1:0";
      o.token = "t";
      o.peers.token = "t";
      StatusOr<std::unique_ptr<StageHost>> h = StageHost::Start(o);
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      *host = std::move(h).value();
    }
  }

  RemoteRunRequest Request() const {
    RemoteRunRequest r;
    r.model = &model_;
    const int cut = 9, last = static_cast<int>(model_.ops.size()) - 1;
    r.stages = {RemoteStage{0, cut, DeviceKind::kCpu, a_->address(), {}},
                RemoteStage{cut + 1, last, DeviceKind::kCpu, b_->address(), {}}};
    return r;
  }

  std::vector<std::vector<uint8_t>> Outputs() const {
    std::vector<std::vector<uint8_t>> out;
    for (int32_t t : model_.outputs) out.emplace_back(model_.tensor(t).num_bytes());
    return out;
  }

  Model model_;
  std::unique_ptr<StageHost> a_, b_;
};

TEST_F(RemotePipelineTest, InputsPushedBeforeStartComeOutInOrderAsInProcess) {
  StatusOr<std::unique_ptr<StreamPipeline>> remote =
      CreateRemotePipeline(Request(), CoordinatorOptions{{"t", ""}});
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  std::vector<std::unique_ptr<Device>> devices;
  devices.push_back(std::make_unique<CpuDevice>());
  devices.push_back(std::make_unique<CpuDevice>());
  const std::vector<int> last_ops = {9, static_cast<int>(model_.ops.size()) - 1};
  StatusOr<std::unique_ptr<Pipeline>> local =
      Pipeline::Create(model_, last_ops, std::move(devices));
  ASSERT_TRUE(local.ok());
  ASSERT_TRUE((*local)->Start().ok());
  constexpr int kInputs = 3;  // the first hop's credit: one, so Start must not be needed first
  std::thread producer([&] {
    for (int k = 0; k < kInputs; ++k) {
      std::vector<std::vector<uint8_t>> in = RandomModelInputs(model_, 7, k);
      std::vector<std::span<const uint8_t>> spans(in.begin(), in.end());
      ASSERT_TRUE((*remote)->Push(spans).ok());
      ASSERT_TRUE((*local)->Push(spans).ok());
    }
    (*remote)->CloseInput();
    (*local)->CloseInput();
  });
  ASSERT_TRUE((*remote)->Start().ok());
  for (int k = 0; k < kInputs; ++k) {
    std::vector<std::vector<uint8_t>> got = Outputs(), want = Outputs();
    std::vector<std::span<uint8_t>> g(got.begin(), got.end()), w(want.begin(), want.end());
    std::optional<PopResult> r = (*remote)->Pop(g);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->sequence, k);
    ASSERT_TRUE(r->status.ok()) << r->status.ToString();
    ASSERT_TRUE((*local)->Pop(w).has_value());
    EXPECT_EQ(got, want) << "input " << k;
  }
  std::vector<std::vector<uint8_t>> rest = Outputs();
  std::vector<std::span<uint8_t>> spans(rest.begin(), rest.end());
  EXPECT_FALSE((*remote)->Pop(spans).has_value());
  producer.join();
  EXPECT_TRUE((*remote)->Finish().ok());
  const PipelineStats stats = (*remote)->Stats();
  ASSERT_EQ(stats.stages.size(), 2u);
  EXPECT_EQ(stats.stages[1].count, kInputs);
  EXPECT_EQ(stats.completed, kInputs);
}

TEST_F(RemotePipelineTest, AHostGoingAwayAnswersEveryAcceptedInput) {
  StatusOr<std::unique_ptr<StreamPipeline>> remote =
      CreateRemotePipeline(Request(), CoordinatorOptions{{"t", ""}});
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  std::atomic<int64_t> accepted{0};
  std::thread producer([&] {
    std::vector<std::vector<uint8_t>> in = RandomModelInputs(model_, 7, 0);
    std::vector<std::span<const uint8_t>> spans(in.begin(), in.end());
    while ((*remote)->Push(spans).ok()) ++accepted;
    (*remote)->CloseInput();
  });
  ASSERT_TRUE((*remote)->Start().ok());
  std::vector<std::vector<uint8_t>> out = Outputs();
  std::vector<std::span<uint8_t>> spans(out.begin(), out.end());
  int64_t next = 0, ok = 0, failed = 0;
  Status error;
  while (std::optional<PopResult> r = (*remote)->Pop(spans)) {
    EXPECT_EQ(r->sequence, next++);
    if (r->status.ok()) {
      EXPECT_EQ(failed, 0) << "a result after the first error";
      if (++ok == 20) b_->Shutdown(std::chrono::milliseconds(0));  // cancels its streams
    } else {
      if (failed++ == 0) error = r->status;
    }
  }
  producer.join();
  EXPECT_GE(ok, 20);
  EXPECT_EQ(ok + failed, next);
  EXPECT_GT(failed, 0);
  EXPECT_EQ(next, accepted.load());  // every accepted input came out
  EXPECT_EQ(error.code(), StatusCode::kUnavailable) << error.ToString();
  EXPECT_NE(error.message().find("inputs from sequence"), std::string::npos) << error.message();
  EXPECT_FALSE((*remote)->Finish().ok());
}

}  // namespace
}  // namespace segpipe::remote
