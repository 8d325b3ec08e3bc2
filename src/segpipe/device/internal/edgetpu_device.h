// EdgeTpuDevice: a modelled Edge TPU that holds wall-clock time to its modelled service time.
//
//   EdgeTpuDeviceOptions o;
//   o.phases = {{.duration_ns = 229'000, .resource = host_lock},   // serialized host work
//               {.duration_ns = 900'000}};                        // the device itself
//   o.compute = std::make_unique<CpuDevice>();       // optional: produce the real outputs
//   EdgeTpuDevice tpu(std::move(o));
//
// One Invoke runs its phases one after the other, each held to its duration with an absolute
// deadline: sleep until shortly before it, spin the short rest (the only spin in the pipeline),
// so paced stages leave the CPU to others. A phase with a SharedResource first takes it, and its
// duration counts from then (on the modelled timeline): phases of different devices sharing one resource never overlap (the
// `paper` host profile's interpreter lock, a shared host link). The phases are exactly what the
// virtual-time simulator models. If `compute` is set the real outputs are computed on the CPU at
// the start of the last phase; when that takes longer than the phase the invocation overruns,
// which shows as pacing error.
//
// Lifetime: owns its compute device. Thread-safety: Invoke from one stage thread; pacing_stats()
// from any thread.
#ifndef SEGPIPE_DEVICE_INTERNAL_EDGETPU_DEVICE_H_
#define SEGPIPE_DEVICE_INTERNAL_EDGETPU_DEVICE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "segpipe/device/device.h"

namespace segpipe {

// A resource several devices take turns on (host interpreter lock, host link). The modelled
// timeline hands it over the instant the previous phase ends (free_at_ns), as the simulator
// does: the wake-up latency of our own threads is absorbed by the absolute deadlines instead of
// being added to every hand-over.
struct SharedResource {
  std::mutex mu;
  int64_t free_at_ns = 0;  // guarded by mu: when the last holder's phase ended on the timeline
};

struct PacedPhase {
  int64_t duration_ns = 0;
  std::shared_ptr<SharedResource> resource;  // null: the device's own time
};

// Waits for absolute steady-clock deadlines: sleep until shortly before, spin the rest. The spin
// margin adapts to how late this thread's sleeps wake up, capped by max_spin_ns.
// Not thread-safe: one per thread.
class Pacer {
 public:
  explicit Pacer(int64_t max_spin_ns) : max_spin_ns_(max_spin_ns) {}
  // Returns how late it returned (>= 0; ~0 unless the deadline had already passed or the spin
  // was preempted).
  int64_t WaitUntil(int64_t deadline_ns);

 private:
  int64_t max_spin_ns_;
  int64_t oversleep_ewma_ns_ = 20'000;  // typical wake-up lateness of a sleep
};

int64_t SteadyNowNs();

struct EdgeTpuDeviceOptions {
  std::vector<PacedPhase> phases;   // one invocation, in order
  std::unique_ptr<Device> compute;  // set: computes the real outputs on the CPU
  int64_t max_spin_ns = 50'000;
  int nice_boost = 10;  // lower the stage thread's nice value by this much, when permitted
};

struct PacingStats {
  int64_t invocations = 0;
  int64_t mean_error_ns = 0;  // how late invocations ended vs their deadline, on average
  int64_t max_error_ns = 0;
  int64_t overruns = 0;       // invocations whose CPU compute outlasted the device phase
};

class EdgeTpuDevice : public Device {
 public:
  explicit EdgeTpuDevice(EdgeTpuDeviceOptions options);

  std::string kind() const override { return "edgetpu"; }
  Status Prepare(const Model& segment) override;
  void OnStageThreadStart(int stage_index) override;
  Status Invoke(int64_t sequence, const DeviceIo& io) override;
  void Cancel() override;
  bool reports_start() const override { return true; }
  std::optional<int64_t> modelled_service_ns() const override;
  std::string Describe() const override;

  PacingStats pacing_stats() const;

 private:
  EdgeTpuDeviceOptions options_;
  Pacer pacer_;
  std::atomic<int64_t> invocations_{0};
  std::atomic<int64_t> error_sum_ns_{0};
  std::atomic<int64_t> error_max_ns_{0};
  std::atomic<int64_t> overruns_{0};
};

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_EDGETPU_DEVICE_H_
