// StreamPipeline: what RunPipeline drives, in process (Pipeline) or across stage hosts (the
// remote layer's coordinator, created through a RemotePipelineFactory).
//
//   RunConfig config;
//   config.devices = "cpu:1@127.0.0.1:7070,cpu:1@127.0.0.1:7071";
//   config.remote = MakeRemotePipelineFactory(client_options);   // segpipe/remote
//   SEGPIPE_ASSIGN_OR_RETURN(RunReport report, RunPipeline(model, config));
//
// The pipeline layer knows nothing of the transport: it hands the factory the stages (op ranges,
// device kinds, hosts, modelled Edge TPU phases) and drives what comes back with the same
// Push/Pop contract as Pipeline: inputs in order, one PopResult per accepted input, the first
// error for every accepted input from the one it hit on.
#ifndef SEGPIPE_PIPELINE_INTERNAL_STREAM_PIPELINE_H_
#define SEGPIPE_PIPELINE_INTERNAL_STREAM_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/device_list.h"
#include "segpipe/model/model.h"
#include "segpipe/pipeline/sim/internal/simulator.h"

namespace segpipe {

struct StageStats {
  std::string device;
  int first_op = 0, last_op = 0;
  int replicas = 1;
  int64_t count = 0;               // inputs this stage handled (computed or passed on failed)
  int64_t busy_ns = 0;             // inside Device::Invoke (and forwarding copies), all replicas
  int64_t wait_input_ns = 0;       // waiting for the previous stage
  int64_t blocked_output_ns = 0;   // waiting for room downstream
};

struct PipelineStats {
  std::vector<StageStats> stages;
  int64_t completed = 0;     // results produced (ok)
  int64_t failed = 0;        // inputs that came out with the error
  int64_t elapsed_ns = 0;    // first accepted input to last result
  double throughput_per_s = 0;
  int64_t latency_p50_ns = 0, latency_p90_ns = 0, latency_p99_ns = 0, latency_max_ns = 0;
};

struct PopResult {
  int64_t sequence = 0;
  Status status;  // ok: the outputs were written; otherwise the pipeline's first error
};

class StreamPipeline {
 public:
  virtual ~StreamPipeline() = default;
  // Starts the work. Push may come before it (RunPipeline's producer starts first, and the
  // paper's batch timing queues every input before the stage threads start).
  virtual Status Start() = 0;
  // Blocks while the pipeline has no room; ok: accepted (Pop returns it).
  virtual Status Push(std::span<const std::span<const uint8_t>> inputs) = 0;
  virtual void CloseInput() = 0;
  // Next result in input order; nullopt at end of stream.
  virtual std::optional<PopResult> Pop(std::span<const std::span<uint8_t>> outputs) = 0;
  // Joins; returns the first error, if any.
  virtual Status Finish() = 0;
  // Aborts whatever is in flight; idempotent, returns promptly.
  virtual void Stop() = 0;
  virtual PipelineStats Stats() const = 0;
};

// One stage of a pipeline whose devices are served by stage hosts.
struct RemoteStage {
  int first_op = 0, last_op = 0;
  DeviceKind kind = DeviceKind::kCpu;
  std::string host;             // "HOST:PORT"
  std::vector<SimPhase> phases;  // modelled Edge TPU stages: what the device is paced to
};

struct RemoteRunRequest {
  const Model* model = nullptr;
  std::vector<RemoteStage> stages;
  int queue_capacity = 1;
  int input_capacity = 0;       // 0 = queue_capacity
  bool edgetpu_compute = false;
};

using RemotePipelineFactory =
    std::function<StatusOr<std::unique_ptr<StreamPipeline>>(const RemoteRunRequest& request)>;

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_INTERNAL_STREAM_PIPELINE_H_
