// Tests of the pipeline devices: test device injection, paced Edge TPU timing, CPU pinning.
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "segpipe/device/internal/cpu_device.h"
#include "segpipe/device/internal/edgetpu_device.h"
#include "segpipe/device/internal/test_device.h"

namespace segpipe {
namespace {

using namespace std::chrono_literals;

struct Buffers {
  std::vector<uint8_t> in = std::vector<uint8_t>(8, 5), out = std::vector<uint8_t>(8, 0);
  std::vector<std::span<const uint8_t>> ins{std::span<const uint8_t>(in)};
  std::vector<std::span<uint8_t>> outs{std::span<uint8_t>(out)};
  DeviceIo io() { return DeviceIo{ins, outs}; }
};

TEST(TestDeviceTest, CopiesInputAndFailsOnCommand) {
  TestDeviceOptions o;
  o.fail_at_sequence = 2;
  TestDevice d(o);
  Buffers b;
  ASSERT_TRUE(d.Invoke(0, b.io()).ok());
  EXPECT_EQ(b.out, b.in);
  Status s = d.Invoke(2, b.io());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("input 2"), std::string::npos);
}

TEST(TestDeviceTest, StallEndsOnReleaseOrCancel) {
  TestDeviceOptions o;
  o.stall_at_sequence = 0;
  for (bool cancel : {false, true}) {
    TestDevice d(o);
    Buffers b;
    Status result;
    std::thread t([&] { result = d.Invoke(0, b.io()); });
    while (!d.stalled()) std::this_thread::sleep_for(1ms);
    if (cancel) {
      d.Cancel();
    } else {
      d.Release();
    }
    t.join();
    EXPECT_EQ(result.ok(), !cancel);
  }
}

TEST(EdgeTpuDeviceTest, PacesInvocationsToTheirServiceTime) {
  EdgeTpuDeviceOptions o;
  o.phases = {PacedPhase{1'000'000, nullptr}, PacedPhase{2'000'000, nullptr}};
  EdgeTpuDevice d(std::move(o));
  ASSERT_TRUE(d.Prepare(Model{}).ok());
  d.OnStageThreadStart(0);
  EXPECT_EQ(d.modelled_service_ns(), 3'000'000);
  Buffers b;
  const int64_t start = SteadyNowNs();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(d.Invoke(i, b.io()).ok());
  const int64_t elapsed = SteadyNowNs() - start;
  // Never early: each phase ends at or after its deadline (lateness is only bounded loosely
  // because the machine is shared).
  EXPECT_GE(elapsed, 15'000'000);
  EXPECT_LT(elapsed, 15'000'000 + 5 * 20'000'000);
  PacingStats p = d.pacing_stats();
  EXPECT_EQ(p.invocations, 5);
  EXPECT_GE(p.mean_error_ns, 0);
}

TEST(EdgeTpuDeviceTest, SharedResourcePhasesNeverOverlap) {
  auto lock = std::make_shared<SharedResource>();
  std::vector<std::unique_ptr<EdgeTpuDevice>> devices;
  for (int i = 0; i < 2; ++i) {
    EdgeTpuDeviceOptions o;
    o.phases = {PacedPhase{2'000'000, lock}};
    devices.push_back(std::make_unique<EdgeTpuDevice>(std::move(o)));
  }
  const int64_t start = SteadyNowNs();
  std::vector<std::thread> threads;
  for (auto& d : devices)
    threads.emplace_back([&d] {
      Buffers b;
      for (int i = 0; i < 3; ++i) ASSERT_TRUE(d->Invoke(i, b.io()).ok());
    });
  for (auto& t : threads) t.join();
  // Six 2 ms phases on one resource take at least 12 ms; in parallel they would take 6.
  EXPECT_GE(SteadyNowNs() - start, 12'000'000);
}

TEST(EdgeTpuDeviceTest, RejectsMissingPhases) {
  EdgeTpuDevice d(EdgeTpuDeviceOptions{});
  EXPECT_EQ(d.Prepare(Model{}).code(), StatusCode::kInvalidArgument);
}

TEST(CpuDeviceTest, PinningDegradesGracefullyBeyondTheAvailableCores) {
  for (int core : {0, AvailableCores() + 5}) {
    CpuDevice d(CpuDeviceOptions{.core = core});
    std::thread t([&] { d.OnStageThreadStart(0); });
    t.join();
    if (core >= AvailableCores()) {
      EXPECT_FALSE(d.pinned());
    }
    EXPECT_FALSE(d.Describe().empty());
  }
}

TEST(CpuDeviceTest, InvokeBeforePrepareIsAnError) {
  CpuDevice d;
  Buffers b;
  EXPECT_EQ(d.Invoke(0, b.io()).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace segpipe
