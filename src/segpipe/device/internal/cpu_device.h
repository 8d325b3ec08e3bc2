// CpuDevice: runs a segment for real on one CPU core with the Executor (one kernel thread).
//
//   auto cpu = std::make_unique<CpuDevice>(CpuDeviceOptions{.core = 1});
//
// Prepare builds an Executor for the segment (fast kernels where available, one thread). Invoke
// copies the inputs into the executor's arena, runs it and copies the outputs out: no allocation.
// When `core` >= 0 the stage thread is pinned to that core; if the core does not exist or
// pinning is refused (containers, small machines) the thread runs unpinned and pinned() says so.
//
// Lifetime: owns its Executor. Thread-safety: Prepare, OnStageThreadStart and Invoke from one
// thread at a time.
#ifndef SEGPIPE_DEVICE_INTERNAL_CPU_DEVICE_H_
#define SEGPIPE_DEVICE_INTERNAL_CPU_DEVICE_H_

#include <atomic>
#include <memory>

#include "segpipe/device/device.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/kernels/internal/kernel.h"

namespace segpipe {

struct CpuDeviceOptions {
  int core = -1;  // pin the stage thread to this core; -1: leave it to the scheduler
  KernelSet kernels = KernelSet::kFast;
};

class CpuDevice : public Device {
 public:
  explicit CpuDevice(CpuDeviceOptions options = {}) : options_(options) {}

  std::string kind() const override { return "cpu"; }
  Status Prepare(const Model& segment) override;
  void OnStageThreadStart(int stage_index) override;
  Status Invoke(int64_t sequence, const DeviceIo& io) override;
  std::string Describe() const override;

  bool pinned() const { return pinned_.load(std::memory_order_acquire); }

 private:
  CpuDeviceOptions options_;
  std::unique_ptr<Executor> executor_;
  std::atomic<bool> pinned_{false};
};

// Cores this process may run on (its affinity mask), at least 1.
int AvailableCores();

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_CPU_DEVICE_H_
