// TestDevice: a device for exercising the pipeline, which fails, stalls or burns time on command.
//
//   TestDeviceOptions o;
//   o.fail_at_sequence = 37;                      // Invoke(37) returns UnavailableError
//   o.compute = [](int64_t seq, const DeviceIo& io) { ... };   // what the segment computes
//   auto device = std::make_unique<TestDevice>(o);
//
// By default it copies input 0 into every output (truncating or zero-filling). A stall blocks
// Invoke until Release() or Cancel(). Optional invocation timestamps (preallocated) let
// benchmarks measure hand-off cost between stages without allocating.
//
// Lifetime: plain object. Thread-safety: Invoke from the stage thread; Release, Cancel and the
// counters from any thread.
#ifndef SEGPIPE_DEVICE_INTERNAL_TEST_DEVICE_H_
#define SEGPIPE_DEVICE_INTERNAL_TEST_DEVICE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "segpipe/device/device.h"

namespace segpipe {

struct TestDeviceOptions {
  int64_t fail_at_sequence = -1;   // Invoke with this sequence fails (UnavailableError)
  int64_t stall_at_sequence = -1;  // Invoke with this sequence blocks until Release/Cancel
  int64_t busy_ns = 0;             // sleep this long per Invoke (a slow device)
  int64_t timestamp_capacity = 0;  // record start/end times of the first N invocations
  // The segment's computation; nullptr copies input 0 into every output.
  std::function<void(int64_t sequence, const DeviceIo& io)> compute;
};

class TestDevice : public Device {
 public:
  explicit TestDevice(TestDeviceOptions options);

  std::string kind() const override { return "test"; }
  Status Prepare(const Model& segment) override { return OkStatus(); }
  Status Invoke(int64_t sequence, const DeviceIo& io) override;
  void Cancel() override;
  std::string Describe() const override;

  // Lets a stalled Invoke continue normally.
  void Release();
  // True while an Invoke is blocked on the stall.
  bool stalled() const { return stalled_.load(std::memory_order_acquire); }
  int64_t invocations() const { return invocations_.load(std::memory_order_acquire); }
  // Steady-clock start/end of invocation i (i < recorded()), in ns. Read after the stage joined.
  int64_t recorded() const { return recorded_.load(std::memory_order_acquire); }
  int64_t start_ns(int64_t i) const { return start_ns_[static_cast<size_t>(i)]; }
  int64_t end_ns(int64_t i) const { return end_ns_[static_cast<size_t>(i)]; }

 private:
  TestDeviceOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;   // guarded by mu_
  bool cancelled_ = false;  // guarded by mu_
  std::atomic<bool> stalled_{false};
  std::atomic<int64_t> invocations_{0};
  std::atomic<int64_t> recorded_{0};
  std::vector<int64_t> start_ns_, end_ns_;  // sized once: recording never allocates
};

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_TEST_DEVICE_H_
