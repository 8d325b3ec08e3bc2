// Running a model as a pipeline on a device list, threaded or simulated: what `segpipe run`
// does once its flags are parsed.
//
//   RunConfig config;
//   config.devices = "edgetpu:4";  config.split = "default";  config.batch = 50;
//   SEGPIPE_ASSIGN_OR_RETURN(RunReport threaded, RunPipeline(model, config));
//   config.simulate = true;
//   SEGPIPE_ASSIGN_OR_RETURN(RunReport simulated, RunPipeline(model, config));
//
// Devices: "cpu:2", "edgetpu:4" or a list "cpu,edgetpu,edgetpu". The split is in layers
// (ParseSplitSpec: default/params, uniform, or "2,4"). Edge TPU stages are modelled: placement
// and service time come from the Edge TPU model, the threaded run paces EdgeTpuDevices to it
// (with the host profile's host work: `paper` serializes it across stages under one lock and
// pays thread start once per batch; `native` has no host work beyond our own runtime), and the
// simulator replays the same phases in virtual time. CPU stages compute for real; the simulator
// uses their measured mean service time. A batch is timed as the paper did: all B inputs are
// queued, the stage threads start, and the wall time until the last result, over B, is the time
// per inference.
//
// Functions are thread-compatible (each call builds its own pipeline).
#ifndef SEGPIPE_PIPELINE_RUN_H_
#define SEGPIPE_PIPELINE_RUN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/device.h"
#include "segpipe/device/edgetpu_device.h"
#include "segpipe/device/edgetpu_model.h"
#include "segpipe/model/model.h"
#include "segpipe/pipeline/sim/simulator.h"

namespace segpipe {

// kEdgeTpu: the PCIe M.2 module ("edgetpu"); kEdgeTpuUsb: the USB 3.0 Accelerator
// ("edgetpu-usb"), the same chip behind another link (EdgeTpuLink).
enum class DeviceKind : uint8_t { kCpu, kEdgeTpu, kEdgeTpuUsb };

// "cpu:2" -> {cpu, cpu}; "cpu,edgetpu" -> {cpu, edgetpu}. At least one, at most 16.
StatusOr<std::vector<DeviceKind>> ParseDeviceList(std::string_view text);

struct RunConfig {
  std::string devices = "cpu:1";
  std::string split = "default";
  int batch = 50;
  std::string host_profile = "native";
  bool simulate = false;
  bool edgetpu_compute = false;  // paced Edge TPU stages also compute the real outputs on the CPU
  int queue_capacity = 1;
  bool shared_host_link = false;  // Edge TPUs share one host link (transfers never overlap)
  uint64_t seed = 1;             // random inputs
  EdgeTpuSpec spec;
};

struct StageReport {
  int first_op = 0, last_op = 0;
  int first_layer = 0, last_layer = 0;  // 1-based
  DeviceKind kind = DeviceKind::kCpu;
  std::string device;                   // Describe() of the device
  int64_t on_chip_bytes = 0, off_chip_bytes = 0;  // Edge TPU placement (0 for cpu)
  double service_ms = 0;     // modelled (edgetpu: host work + device) or measured mean (cpu)
  double utilisation = 0;    // busy time / wall time
};

struct RunReport {
  bool simulated = false;
  int batch = 0;
  std::string host_profile;
  double time_per_inference_ms = 0;  // wall time / batch, fill, drain and thread start included
  double throughput_per_s = 0;
  double latency_p50_ms = 0, latency_p99_ms = 0;
  int64_t pacing_max_error_ns = 0;   // worst lateness of a paced invocation (threaded only)
  std::vector<StageReport> stages;
};

// The phases one Edge TPU invocation takes under `host` (shared between the simulator and the
// paced device): host work (on `host_lock` when the profile serializes it), then device time.
// With a `host_link`, the time the segment's bytes spend on the host link (activations in and
// out, streamed weights) is a separate phase on that shared link, for devices behind one link.
std::vector<PacedPhase> PacedPhasesFor(const SegmentTiming& timing, const HostProfile& host,
                                       const std::shared_ptr<SharedResource>& host_lock,
                                       const std::shared_ptr<SharedResource>& host_link = nullptr);

StatusOr<RunReport> RunPipeline(const Model& model, const RunConfig& config);

// Per-stage table and summary for people.
std::string FormatRunReport(const RunReport& report);
// {"time_per_inference_ms", "throughput_per_s", "latency_p50_ms", ..., "stages": [...]}.
std::string RunReportJson(const RunReport& report);

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_RUN_H_
