// A discrete-event, virtual-time model of the Pipeline: same stages, same queues, no threads.
//
//   SimConfig config;
//   config.stages = {{.phases = {{229'000, kHostResource}, {850'000}}}, ...};
//   config.num_resources = 1;
//   SimResult r = SimulateBatch(config, 50);      // as the paper timed a batch of 50
//
// It mirrors the runtime exactly: stage i may start input k once k is in its input queue, a
// frame of its output pool is free (pool = capacity + 2, as in Pipeline) and it finished k-1;
// an invocation runs its phases in order (EdgeTpuDevice's phases), a phase on a shared resource
// waits for it (granted first come, first served) and holds it for its duration; when done the
// stage frees its input frame and queues its output, which the next stage sees per_hop_ns
// later. A stage with several replicas serves one input per free replica; a replica that finishes
// before an earlier input of its stage has left holds its result (results leave in input
// order). The consumer takes results as they arrive. The stage threads start at startup_ns.
// Batch mode puts all inputs in the input queue at time 0, as the paper did (queue, start
// threads, join); stream mode feeds inputs as fast as the input queue takes them.
//
// Pure function of its arguments; thread-safe.
#ifndef SEGPIPE_PIPELINE_SIM_INTERNAL_SIMULATOR_H_
#define SEGPIPE_PIPELINE_SIM_INTERNAL_SIMULATOR_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_model.h"

namespace segpipe {

struct SimPhase {
  int64_t duration_ns = 0;
  int resource = -1;  // index of a shared resource, or -1 for the stage's own device
};

struct SimStage {
  std::vector<SimPhase> phases;
  int replicas = 1;  // devices serving this stage: each takes the next input when free
  int64_t service_ns() const;
};

struct SimConfig {
  std::vector<SimStage> stages;
  int num_resources = 0;
  int queue_capacity = 1;   // as PipelineOptions
  int input_capacity = 0;   // 0 = queue_capacity; batch mode raises it to the batch size
  int output_capacity = 0;  // 0 = queue_capacity
  int64_t per_hop_ns = 0;   // from a queue push to the consumer seeing it
  int64_t startup_ns = 0;   // stage threads start (and are joined) this late
};

struct SimResult {
  int64_t inputs = 0;
  int64_t total_ns = 0;               // first input available to last result (+ startup)
  double time_per_inference_ns = 0;   // total / inputs: the paper's "inference time"
  double throughput_per_s = 0;
  // Per input, from when it entered the pipeline (the caller's push was accepted) to its result;
  // percentiles over the last 65536 inputs, the maximum over all.
  int64_t latency_p50_ns = 0, latency_p90_ns = 0, latency_p99_ns = 0, latency_max_ns = 0;
  std::vector<double> stage_utilisation;  // busy time / (total x replicas) per stage
  int64_t events = 0;                     // discrete events processed
};

// Receives each invocation of the simulated timeline (for run --trace), in time order per replica.
class SimTrace {
 public:
  virtual ~SimTrace() = default;
  virtual void OnStart(int stage, int replica, int64_t input, int64_t time_ns) = 0;
  virtual void OnEnd(int stage, int replica, int64_t input, int64_t time_ns) = 0;
  // An idle device between invocations: waiting for an input, or holding a finished one (or
  // waiting for a free output frame) because the next stage has no room yet.
  virtual void OnWait(int stage, int replica, bool blocked_output, int64_t start_ns,
                      int64_t end_ns) = 0;
};

// All `batch` inputs queued at t = 0, threads started at startup_ns (the paper's timing; the
// input queue holds the whole batch).
StatusOr<SimResult> SimulateBatch(const SimConfig& config, int64_t batch,
                                  SimTrace* trace = nullptr);
// Inputs fed as fast as the input queue accepts them, from t = 0. Memory does not depend on
// `inputs`.
StatusOr<SimResult> SimulateStream(const SimConfig& config, int64_t inputs,
                                   SimTrace* trace = nullptr);

// Resource index used for the `paper` host profile's serialized host work.
inline constexpr int kHostWorkResource = 0;
// Resource index of a host link shared by all modelled Edge TPUs.
inline constexpr int kHostLinkResource = 1;

// The phases of one invocation of a modelled Edge TPU stage: the one phase builder, used by the
// simulator, the threaded runtime's paced devices (PacedPhasesFor converts it), the profilers and
// the paper sweep. Host work of the profile (on kHostWorkResource when the profile serializes
// it), then the device time; with a shared host link the segment's link time (EdgeTpuLinkNs) is
// a phase of its own on kHostLinkResource. Then, when the segment leaves ops on the CPU
// (SegmentPlacement::cpu_ops_ns), a phase on the host after the Edge TPU subgraph returns: the
// interpreter runs those kernels inside its invoke call, which the paper's Python runtime makes
// with the interpreter lock released (TFLite's Python Invoke lets other threads run), so it is
// not on kHostWorkResource under either profile; it occupies the stage's thread, as the device
// work does.
SimStage EdgeTpuSimStage(const SegmentTiming& timing, double cpu_ops_ns, const HostProfile& host,
                         bool shared_host_link, int replicas = 1);
// What of one invocation crosses the host link: activations in and out, streamed weights.
double EdgeTpuLinkNs(const SegmentTiming& timing);
// The pipeline around its stages under `host`: both shared resources, hand-off and startup.
SimConfig PipelineSimConfig(std::vector<SimStage> stages, const HostProfile& host,
                            int queue_capacity);
// A pipeline of modelled Edge TPUs, one per stage, no shared link (the paper's setup); segments
// without CPU ops (the paper's families map wholly to the Edge TPU).
SimConfig EdgeTpuSimConfig(std::span<const SegmentTiming> stage_timings, const HostProfile& host,
                           int queue_capacity);

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_SIM_INTERNAL_SIMULATOR_H_
