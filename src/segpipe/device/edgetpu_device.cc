// EdgeTpuDevice: absolute-deadline pacing of modelled Edge TPU invocations.
#include "segpipe/device/internal/edgetpu_device.h"

#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "segpipe/device/internal/edgetpu_ops.h"

namespace segpipe {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t Pacer::WaitUntil(int64_t deadline_ns) {
  const int64_t margin_ns = std::clamp<int64_t>(3 * oversleep_ewma_ns_ + 5'000, 5'000, max_spin_ns_);
  const int64_t sleep_target_ns = deadline_ns - margin_ns;
  int64_t now = SteadyNowNs();
  if (sleep_target_ns > now) {
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
        std::chrono::nanoseconds(sleep_target_ns)));
    now = SteadyNowNs();
    // Learn how late sleeps wake up, so the spin covers it without burning more CPU than needed.
    const int64_t late_ns = std::max<int64_t>(now - sleep_target_ns, 0);
    oversleep_ewma_ns_ += (late_ns - oversleep_ewma_ns_) / 8;
  }
  while (now < deadline_ns) {
    CpuRelax();
    now = SteadyNowNs();
  }
  return now - deadline_ns;
}

EdgeTpuDevice::EdgeTpuDevice(EdgeTpuDeviceOptions options)
    : options_(std::move(options)), pacer_(options_.max_spin_ns) {}

Status EdgeTpuDevice::Prepare(const Model& segment) {
  if (options_.phases.empty()) return InvalidArgumentError("edgetpu device: no timing phases");
  for (const PacedPhase& phase : options_.phases)
    if (phase.duration_ns < 0) return InvalidArgumentError("edgetpu device: negative phase time");
  // An op the compiler cannot map runs on the host CPU; one segpipe has no kernel for cannot be
  // run there either, and pacing the stage as if the Edge TPU ran it would be a made-up result.
  for (size_t i = 0; i < segment.ops.size(); ++i) {
    const Op& op = segment.ops[i];
    if (op.type != OpType::kCustom && op.type != OpType::kUnknownBuiltin) continue;
    const EdgeTpuOpCheck check = CheckEdgeTpuOp(segment, op);
    if (check.mappable) continue;
    return UnimplementedError(fmt::format(
        "op {} ({}) cannot run on the Edge TPU ({}), so it stays on the CPU, and segpipe has no "
        "CPU kernel for it",
        i,
        op.type == OpType::kCustom ? fmt::format("custom op '{}'", op.custom_code)
                                   : fmt::format("builtin {}", op.builtin_code),
        check.reason));
  }
  if (options_.compute) return options_.compute->Prepare(segment);
  return OkStatus();
}

std::optional<int64_t> EdgeTpuDevice::modelled_service_ns() const {
  int64_t sum = 0;
  for (const PacedPhase& phase : options_.phases) sum += phase.duration_ns;
  return sum;
}

void EdgeTpuDevice::OnStageThreadStart(int stage_index) {
  // The default 50 us timer slack would make every sleep wake up late by about that much.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  // A paced stage sleeps almost all the time; a higher scheduling weight lets it preempt
  // CPU-bound neighbours promptly when its deadline comes. Refused without privileges: fine.
  if (options_.nice_boost > 0)
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), -options_.nice_boost);
  if (options_.compute) options_.compute->OnStageThreadStart(stage_index);
}

Status EdgeTpuDevice::Invoke(int64_t sequence, const DeviceIo& io) {
  int64_t error_ns = 0;
  int64_t deadline_ns = SteadyNowNs();
  const size_t last = options_.phases.size() - 1;
  for (size_t i = 0; i < options_.phases.size(); ++i) {
    const PacedPhase& phase = options_.phases[i];
    std::unique_lock<std::mutex> lock;
    if (phase.resource) {
      // The phase starts when the resource is ours: waiting for another device's turn is not
      // part of this device's own time.
      lock = std::unique_lock(phase.resource->mu);
      deadline_ns = std::max(deadline_ns, phase.resource->free_at_ns);
    }
    deadline_ns += phase.duration_ns;
    if (phase.resource) phase.resource->free_at_ns = deadline_ns;
    if (i == 0) io.Started();  // the timeline is anchored: the caller's deferred work overlaps it
    if (i == last && options_.compute) {
      SEGPIPE_RETURN_IF_ERROR(options_.compute->Invoke(sequence, io));
      if (SteadyNowNs() > deadline_ns) overruns_.fetch_add(1, std::memory_order_relaxed);
    }
    error_ns += pacer_.WaitUntil(deadline_ns);
  }
  invocations_.fetch_add(1, std::memory_order_relaxed);
  error_sum_ns_.fetch_add(error_ns, std::memory_order_relaxed);
  if (error_ns > error_max_ns_.load(std::memory_order_relaxed))
    error_max_ns_.store(error_ns, std::memory_order_relaxed);
  return OkStatus();
}

void EdgeTpuDevice::Cancel() {
  if (options_.compute) options_.compute->Cancel();
}

PacingStats EdgeTpuDevice::pacing_stats() const {
  PacingStats s;
  s.invocations = invocations_.load(std::memory_order_relaxed);
  s.mean_error_ns = s.invocations > 0 ? error_sum_ns_.load(std::memory_order_relaxed) / s.invocations : 0;
  s.max_error_ns = error_max_ns_.load(std::memory_order_relaxed);
  s.overruns = overruns_.load(std::memory_order_relaxed);
  return s;
}

std::string EdgeTpuDevice::Describe() const {
  bool shared = false;
  for (const PacedPhase& phase : options_.phases) shared |= phase.resource != nullptr;
  return fmt::format("edgetpu (paced {:.3f} ms{}{})",
                     static_cast<double>(*modelled_service_ns()) / 1e6,
                     shared ? ", shared resources" : "", options_.compute ? ", computes" : "");
}

}  // namespace segpipe
