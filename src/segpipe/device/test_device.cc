// TestDevice: failure, stall and timing injection for pipeline tests and benchmarks.
#include "segpipe/device/internal/test_device.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace segpipe {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TestDevice::TestDevice(TestDeviceOptions options) : options_(std::move(options)) {
  start_ns_.resize(static_cast<size_t>(std::max<int64_t>(options_.timestamp_capacity, 0)));
  end_ns_.resize(start_ns_.size());
}

Status TestDevice::Invoke(int64_t sequence, const DeviceIo& io) {
  const int64_t start = NowNs();
  invocations_.fetch_add(1, std::memory_order_acq_rel);
  if (sequence == options_.stall_at_sequence) {
    std::unique_lock lock(mu_);
    stalled_.store(true, std::memory_order_release);
    cv_.wait(lock, [&] { return released_ || cancelled_; });
    stalled_.store(false, std::memory_order_release);
    if (!released_) return CancelledError("test device cancelled while stalled");
  }
  if (sequence == options_.fail_at_sequence)
    return UnavailableError(fmt::format("test device failed on input {} (injected fault)", sequence));
  if (options_.busy_ns > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(options_.busy_ns));
  if (options_.compute) {
    options_.compute(sequence, io);
  } else {
    for (std::span<uint8_t> out : io.outputs) {
      size_t n = io.inputs.empty() ? 0 : std::min(out.size(), io.inputs[0].size());
      if (n > 0) std::memcpy(out.data(), io.inputs[0].data(), n);
      std::fill(out.begin() + static_cast<ptrdiff_t>(n), out.end(), uint8_t{0});
    }
  }
  const int64_t slot = recorded_.load(std::memory_order_relaxed);
  if (slot < static_cast<int64_t>(start_ns_.size())) {
    start_ns_[static_cast<size_t>(slot)] = start;
    end_ns_[static_cast<size_t>(slot)] = NowNs();
    recorded_.store(slot + 1, std::memory_order_release);
  }
  return OkStatus();
}

void TestDevice::Release() {
  {
    std::lock_guard lock(mu_);
    released_ = true;
  }
  cv_.notify_all();
}

void TestDevice::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

std::string TestDevice::Describe() const {
  std::string d = "test";
  if (options_.fail_at_sequence >= 0) d += fmt::format(" (fails at {})", options_.fail_at_sequence);
  if (options_.stall_at_sequence >= 0) d += fmt::format(" (stalls at {})", options_.stall_at_sequence);
  return d;
}

}  // namespace segpipe
