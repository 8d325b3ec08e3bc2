// The Device interface: what runs one pipeline segment.
//
// A pipeline stage owns one Device and one thread. The stage calls Prepare once (on the thread
// that builds the pipeline: may allocate, may fail), OnStageThreadStart once on the stage thread
// (pinning, timer slack), then Invoke once per input, and Cancel from any thread when the
// pipeline is torn down. Implementations: CpuDevice (real compute), EdgeTpuDevice (modelled
// Edge TPU: paced to its service time, computing on the CPU when asked) and TestDevice (fails or
// stalls on command).
//
// Lifetime: the segment Model passed to Prepare outlives the Device (the pipeline keeps both).
// Thread-safety: Prepare, OnStageThreadStart and Invoke are called from one thread at a time;
// Cancel may be called concurrently with Invoke.
#ifndef SEGPIPE_DEVICE_DEVICE_H_
#define SEGPIPE_DEVICE_DEVICE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

// Buffers of one segment invocation: inputs in the segment Model's `inputs` order, outputs in
// its `outputs` order, each exactly the tensor's num_bytes(). The pipeline owns them.
struct DeviceIo {
  std::span<const std::span<const uint8_t>> inputs;
  std::span<const std::span<uint8_t>> outputs;
  // Work the caller deferred until the invocation is under way (the pipeline wakes the
  // neighbouring stages here, so the wake-ups overlap the device's own time instead of adding to
  // every input's). Devices whose reports_start() is true call Started() once per Invoke.
  void (*on_started)(void*) = nullptr;
  void* on_started_arg = nullptr;
  void Started() const {
    if (on_started != nullptr) on_started(on_started_arg);
  }
};

class Device {
 public:
  virtual ~Device() = default;

  // Short kind name used in tables and flags: "cpu", "edgetpu", "test".
  virtual std::string kind() const = 0;

  // Builds what Invoke needs to run `segment` (kernels, arenas, timing). `segment` outlives the
  // Device. Errors: the segment cannot run here (unsupported op, does not fit).
  virtual Status Prepare(const Model& segment) = 0;

  // Runs once on the stage thread before its first Invoke.
  virtual void OnStageThreadStart(int /*stage_index*/) {}

  // Computes one input. `sequence` numbers inputs from 0 in arrival order. The steady state must
  // not allocate. A non-ok Status is a device failure: the pipeline records it and stops.
  virtual Status Invoke(int64_t sequence, const DeviceIo& io) = 0;

  // Makes a blocked or future Invoke return promptly (with CancelledError if it cannot finish).
  // Thread-safe; idempotent.
  virtual void Cancel() {}

  // True when Invoke calls io.Started() as soon as the invocation is under way. Otherwise the
  // caller does its deferred work before calling Invoke.
  virtual bool reports_start() const { return false; }

  // The service time this device is paced to, for devices with a timing model.
  virtual std::optional<int64_t> modelled_service_ns() const { return std::nullopt; }

  // One line for tables: "cpu (core 1)", "edgetpu (paced, 1.234 ms)".
  virtual std::string Describe() const { return kind(); }
};

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_DEVICE_H_
