// CpuDevice: real compute of a segment on one (optionally pinned) core.
#include "segpipe/device/internal/cpu_device.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>

#include <fmt/format.h>

namespace segpipe {

int AvailableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

Status CpuDevice::Prepare(const Model& segment) {
  KernelOptions options;
  options.kernels = options_.kernels;
  options.num_threads = 1;
  SEGPIPE_ASSIGN_OR_RETURN(executor_, Executor::Create(segment, options));
  return OkStatus();
}

void CpuDevice::OnStageThreadStart(int stage_index) {
  if (options_.core < 0) return;
  // Pin to the options_.core-th core of our affinity mask, so it works inside cpusets too.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return;
  int seen = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    if (seen++ != options_.core) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_.store(pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0,
                  std::memory_order_release);
    return;
  }
}

Status CpuDevice::Invoke(int64_t sequence, const DeviceIo& io) {
  if (!executor_) return FailedPreconditionError("cpu device used before Prepare");
  if (io.inputs.size() != static_cast<size_t>(executor_->num_inputs()) ||
      io.outputs.size() != static_cast<size_t>(executor_->num_outputs()))
    return InvalidArgumentError("cpu device: input/output count does not match the segment");
  for (size_t i = 0; i < io.inputs.size(); ++i) {
    std::span<uint8_t> dst = executor_->input(static_cast<int>(i));
    if (dst.size() != io.inputs[i].size())
      return InvalidArgumentError(fmt::format("cpu device: input {} has {} bytes, expected {}", i,
                                              io.inputs[i].size(), dst.size()));
    std::memcpy(dst.data(), io.inputs[i].data(), dst.size());
  }
  executor_->Invoke();
  for (size_t i = 0; i < io.outputs.size(); ++i) {
    std::span<const uint8_t> src = executor_->output(static_cast<int>(i));
    if (src.size() != io.outputs[i].size())
      return InvalidArgumentError(fmt::format("cpu device: output {} has {} bytes, expected {}", i,
                                              src.size(), io.outputs[i].size()));
    std::memcpy(io.outputs[i].data(), src.data(), src.size());
  }
  return OkStatus();
}

std::string CpuDevice::Describe() const {
  if (options_.core < 0) return "cpu";
  return fmt::format("cpu (core {}{})", options_.core, pinned() ? "" : ", unpinned");
}

}  // namespace segpipe
