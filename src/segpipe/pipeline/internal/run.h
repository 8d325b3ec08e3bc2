// Running a model as a pipeline on a device list, threaded or simulated: what `segpipe run`
// does once its flags are parsed.
//
//   RunConfig config;
//   config.devices = "edgetpu:4";  config.split = "params";  config.batch = 50;
//   SEGPIPE_ASSIGN_OR_RETURN(RunReport threaded, RunPipeline(model, config));
//   config.simulate = true;
//   SEGPIPE_ASSIGN_OR_RETURN(RunReport simulated, RunPipeline(model, config));
//
// Devices: a device list (ParseDeviceList: "cpu:2", "edgetpu-usb:4", "cpu:1,edgetpu:2"). The split
// is in layers (ParseSplitSpec: params, uniform, or "2,4"). Edge TPU stages are modelled: placement
// and service time come from the Edge TPU model, the threaded run paces EdgeTpuDevices to it
// (with the host profile's host work: `paper` serializes it across stages under one lock and
// pays thread start once per batch; `native` has no host work beyond our own runtime), and the
// simulator replays the same phases in virtual time (both built by EdgeTpuSimStage). CPU stages
// compute for real; the simulator uses their measured mean service time. A stage may run on
// several devices (RunConfig::replicas): each takes the next input when free, results leave in
// input order.
//
// A batch streams by default: input k is generated when the first stage's queue has room and
// each result is consumed as it comes, so at most O(queue capacity) frames are alive whatever B
// is; the time per inference is the wall time from the first input to the last result over B,
// and each input's latency runs from when the pipeline accepted it. With queue_all_inputs the
// batch is timed as the paper did: all B inputs are queued, then the stage threads start (its
// memory grows with B, so it is refused above memory_limit_bytes), and latencies then include
// the time an input waited in that queue.
//
// Functions are thread-compatible (each call builds its own pipeline).
#ifndef SEGPIPE_PIPELINE_INTERNAL_RUN_H_
#define SEGPIPE_PIPELINE_INTERNAL_RUN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/device.h"
#include "segpipe/device/internal/device_list.h"
#include "segpipe/device/internal/edgetpu_device.h"
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/device/internal/network_model.h"
#include "segpipe/model/model.h"
#include "segpipe/partition/internal/plan_file.h"
#include "segpipe/pipeline/internal/stream_pipeline.h"
#include "segpipe/pipeline/sim/internal/simulator.h"

namespace segpipe {

struct RunConfig {
  std::string devices = "cpu:1";
  std::string split = "params";
  int batch = 50;
  std::string host_profile = "native";
  bool simulate = false;
  bool edgetpu_compute = false;  // paced Edge TPU stages also compute the real outputs on the CPU
  int queue_capacity = 1;
  bool shared_host_link = false;  // Edge TPUs share one host link (transfers never overlap)
  uint64_t seed = 1;             // random inputs
  // The bytes of every input of the batch, one buffer per model input in the model's order
  // (empty: random bytes, input k made by RandomModelInputs(model, seed, k)).
  std::vector<std::vector<uint8_t>> inputs;
  EdgeTpuSpec spec;
  // Devices of each stage, in order (empty: one stage per device). The devices of one stage
  // must be of one kind; their sum must be the device count.
  std::vector<int> replicas;
  // The paper's timing mode: all B inputs queued before the stage threads start.
  bool queue_all_inputs = false;
  // queue_all_inputs is refused when B input frames would take more than this.
  int64_t memory_limit_bytes = int64_t{1} << 30;
  // Record the timeline (RunReport::trace_json); opt-in, in a buffer sized before the run.
  bool trace = false;
  // Slow motion: every modelled duration (Edge TPU phases, the profile's thread start) is
  // multiplied by this, and the reported times divided by it. Stretched stages make a paced
  // run insensitive to scheduling noise (the CI agreement test); the runtime's own hand-off
  // cost is not modelled and so not stretched. Must be >= 1.
  double pace_scale = 1;
  // Devices with a stage host (`cpu:1@HOST:PORT`): a threaded run goes through this factory (the
  // remote layer's coordinator); a simulated one adds the links of `network` between endpoints.
  RemotePipelineFactory remote;
  NetworkModel network;
};


struct StageReport {
  int first_op = 0, last_op = 0;
  int first_layer = 0, last_layer = 0;  // 1-based
  DeviceKind kind = DeviceKind::kCpu;
  int replicas = 1;                     // devices serving this stage
  std::string device;                   // Describe() of the device
  int64_t on_chip_bytes = 0, off_chip_bytes = 0;  // Edge TPU placement (0 for cpu)
  double service_ms = 0;     // modelled (edgetpu: host work + device) or measured mean (cpu)
  double utilisation = 0;    // busy time / (wall time x replicas)
};

struct RunReport {
  bool simulated = false;
  int batch = 0;
  std::string host_profile;
  double time_per_inference_ms = 0;  // wall time / batch, fill, drain and thread start included
  double throughput_per_s = 0;
  bool queue_all_inputs = false;
  // Per input: from when the pipeline accepted it to its result.
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;
  int64_t pacing_max_error_ns = 0;   // worst lateness of a paced invocation (threaded only)
  std::vector<StageReport> stages;
  std::string trace_json;            // Chrome Trace Event JSON, when RunConfig::trace
  // The model's outputs (in the model's order) for the batch's first input, so a pipelined
  // result can be checked against the whole model: what the pipeline computed in a threaded run
  // (empty when modelled Edge TPU stages only pace, without edgetpu_compute); in a simulated run,
  // which times without computing, the first input run through the same segments on the CPU.
  std::vector<std::vector<uint8_t>> first_outputs;
  // Why first_outputs is empty, when a simulated run could not compute them on the CPU.
  std::string outputs_note;
  // Remote pipelines only: each link frames cross (coordinator -> first host, host -> host, last
  // host -> coordinator), as plans report them; after_stage is the pipeline edge it carries.
  std::vector<PlanLink> links;
};

// Input `index` of a batch of random inputs: the same bytes for a given model, seed and index
// however the batch is fed (`segpipe run` without --devices uses index 0, so a whole-model run
// and a pipelined one see the same first input).
std::vector<std::vector<uint8_t>> RandomModelInputs(const Model& model, uint64_t seed,
                                                    int64_t index);

// The paced device's phases for a stage built by EdgeTpuSimStage (the one phase builder): the
// simulator's kHostWorkResource becomes `host_lock`, kHostLinkResource `host_link`.
std::vector<PacedPhase> PacedPhasesFor(const SimStage& stage,
                                       const std::shared_ptr<SharedResource>& host_lock,
                                       const std::shared_ptr<SharedResource>& host_link);

StatusOr<RunReport> RunPipeline(const Model& model, const RunConfig& config);

// `base` with the devices, split and replicas that run `plan` on `model` (what `run --plan`
// does, and what `plan` checks before it writes a plan). Fails, saying why, for a plan that
// does not fit the model or cannot run.
StatusOr<RunConfig> RunConfigForPlan(const LoadedPlan& plan, const Model& model,
                                     RunConfig base = {});

// Per-stage table and summary for people.
std::string FormatRunReport(const RunReport& report);
// {"time_per_inference_ms", "throughput_per_s", "latency_p50_ms", ..., "stages": [...]}.
std::string RunReportJson(const RunReport& report);

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_INTERNAL_RUN_H_
