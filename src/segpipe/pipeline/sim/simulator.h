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
// later. The consumer takes results as they arrive. Batch mode puts all inputs in the input
// queue at time 0 and starts the stage threads at startup_ns, as the paper did (start threads,
// join); stream mode feeds inputs as fast as the input queue takes them.
//
// Pure function of its arguments; thread-safe.
#ifndef SEGPIPE_PIPELINE_SIM_SIMULATOR_H_
#define SEGPIPE_PIPELINE_SIM_SIMULATOR_H_

#include <cstdint>
#include <span>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/edgetpu_model.h"

namespace segpipe {

struct SimPhase {
  int64_t duration_ns = 0;
  int resource = -1;  // index of a shared resource, or -1 for the stage's own device
};

struct SimStage {
  std::vector<SimPhase> phases;
  int64_t service_ns() const;
};

struct SimConfig {
  std::vector<SimStage> stages;
  int num_resources = 0;
  int queue_capacity = 1;   // as PipelineOptions
  int input_capacity = 0;   // 0 = queue_capacity; batch mode raises it to the batch size
  int output_capacity = 0;  // 0 = queue_capacity
  int64_t per_hop_ns = 0;   // from a queue push to the consumer seeing it
  int64_t startup_ns = 0;   // batch mode: stage threads start (and are joined) this late
};

struct SimResult {
  int64_t inputs = 0;
  int64_t total_ns = 0;               // first input available to last result (+ startup)
  double time_per_inference_ns = 0;   // total / inputs: the paper's "inference time"
  double throughput_per_s = 0;
  int64_t latency_p50_ns = 0, latency_p99_ns = 0, latency_max_ns = 0;
  std::vector<double> stage_utilisation;  // busy time / total per stage
  int64_t events = 0;                     // discrete events processed
};

// All `batch` inputs queued at t = 0, threads started at startup_ns.
StatusOr<SimResult> SimulateBatch(const SimConfig& config, int64_t batch);
// Inputs fed as fast as the input queue accepts them, from t = 0, no startup.
StatusOr<SimResult> SimulateStream(const SimConfig& config, int64_t inputs);

// Resource index used for the `paper` host profile's serialized host work.
inline constexpr int kHostWorkResource = 0;
// Resource index of a host link shared by all modelled Edge TPUs.
inline constexpr int kHostLinkResource = 1;

// The pipeline of modelled Edge TPUs the paper ran: stage i = (host work of the profile) then
// the device time of stage_timings[i]. With a serialized host profile the host work shares
// resource kHostWorkResource. The threaded runtime builds its EdgeTpuDevice phases from the same
// function (see PacedPhasesFor), so simulator and runtime agree by construction of the model.
SimConfig EdgeTpuSimConfig(std::span<const SegmentTiming> stage_timings, const HostProfile& host,
                           int queue_capacity);

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_SIM_SIMULATOR_H_
