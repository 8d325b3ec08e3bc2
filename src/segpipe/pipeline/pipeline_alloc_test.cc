// Proves the pipeline's steady state allocates nothing: global operator new is replaced by a
// counting one, and pushing/popping many inputs through a warmed-up pipeline must not call it
// on any thread (caller or stage threads).
#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "segpipe/device/internal/edgetpu_device.h"
#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/internal/toy_model_testutil.h"

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

// The replacements pair malloc with free on purpose; GCC cannot see that they match.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
void* CountedAlloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
}  // namespace
void* operator new(std::size_t size) { return CountedAlloc(size); }
void* operator new[](std::size_t size) { return CountedAlloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace segpipe {
namespace {

TEST(PipelineAllocationTest, SteadyStatePushAndPopAllocateNothing) {
  Model m = testing::ToyResidualModel(64);
  const int split[] = {0, 1, 2, 4};
  for (bool paced : {false, true}) {
    std::vector<std::unique_ptr<Device>> devices;
    for (int i = 0; i < 4; ++i) {
      if (paced && i == 2) {  // a paced stage too: pacing must not allocate either
        EdgeTpuDeviceOptions o;
        o.phases = {PacedPhase{20'000, std::make_shared<SharedResource>()}, PacedPhase{10'000, {}}};
        devices.push_back(std::make_unique<EdgeTpuDevice>(std::move(o)));
      } else {
        devices.push_back(std::make_unique<testing::ToyDevice>());
      }
    }
    PipelineOptions options;
    options.queue_capacity = 2;
    auto p = Pipeline::Create(m, split, std::move(devices), options);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE((*p)->Start().ok());
    std::vector<uint8_t> in(64, 3), out0(64), out1(64);
    std::vector<std::span<const uint8_t>> ins{in};
    std::vector<std::span<uint8_t>> outs{out0, out1};
    auto round = [&](int n) {
      // Push from this thread, pop from this thread, never more in flight than the input pool
      // holds, so neither side needs a helper thread.
      for (int k = 0; k < n; ++k) {
        ASSERT_TRUE((*p)->Push(ins).ok());
        std::optional<PopResult> r = (*p)->Pop(outs);
        ASSERT_TRUE(r.has_value() && r->status.ok());
      }
    };
    round(20);  // warm-up: thread starts, first-touch of thread-local state
    const int64_t before = g_allocations.load();
    round(2000);
    EXPECT_EQ(g_allocations.load() - before, 0) << (paced ? "paced" : "toy");
    ASSERT_TRUE((*p)->Finish().ok());
  }
}

}  // namespace
}  // namespace segpipe
