// PipelinedModelRunner: a planned model running as a pipeline, one thread per device, in the
// manner of libcoral's class of the same name.
//
//   SEGPIPE_ASSIGN_OR_RETURN(auto runner, api::PipelinedModelRunner::Create(model, plan));
//   producer:  for (...) if (!runner->Push(inputs).ok()) break;   runner->Close();
//   consumer:  while (auto r = runner->Pop(&outputs)) { if (!r->status.ok()) ... }
//   runner->Finish();
//
// Semantics (those of segpipe's runtime): inputs leave in the order they were pushed. Once a
// device fails, the inputs before the failing one come out with their results, every accepted
// input from it on comes out with that error, and later Push calls return it. After Close, Pop
// returns every accepted input and then nullopt (end of stream); it never hangs, whatever the
// devices do: Finish or the destructor cancels the devices and joins the threads.
//
// Thread-safety: Push/Close and Pop may be called from different threads; Stats from any
// thread; Finish from the owner.
#ifndef SEGPIPE_API_RUNNER_H_
#define SEGPIPE_API_RUNNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "segpipe/api/model.h"
#include "segpipe/api/plan.h"
#include "segpipe/core/status.h"
#include "segpipe/device/device.h"

namespace segpipe::api {

// Which device a DeviceFactory is asked for.
struct DeviceRequest {
  int stage = 0;     // from 0
  int replica = 0;   // from 0, among the stage's devices
  std::string kind;  // "cpu", "edgetpu" or "edgetpu-usb"
  int first_op = 0, last_op = 0;
};

using DeviceFactory = std::function<StatusOr<std::unique_ptr<Device>>(const DeviceRequest&)>;

struct RunnerOptions {
  int queue_size = 1;                   // inputs waiting between two stages
  std::string host_profile = "native";  // the default factory's paced Edge TPU host work
  // Plans whose devices are on stage hosts (`cpu:1@HOST:PORT`, docs/distributed.md): the
  // hosts' shared token, and for TLS the PEM certificates to trust (empty: plaintext).
  std::string stage_host_token;
  std::string stage_host_tls_ca_pem;
};

// CPU stages compute on a CPU core (pinned one per core when they fit); Edge TPU stages are
// modelled: paced to the Edge TPU model's service time while computing the real outputs on the
// CPU, so results are exact either way.
DeviceFactory DefaultDeviceFactory(const Model& model, const Plan& plan,
                                   const RunnerOptions& options = {});

struct RunnerStageStats {
  std::string device;
  int first_op = 0, last_op = 0;
  int replicas = 1;
  int64_t count = 0;
  double busy_ms = 0, wait_input_ms = 0, blocked_output_ms = 0;
};

struct RunnerStats {
  int64_t completed = 0, failed = 0;
  double elapsed_ms = 0, throughput_per_s = 0;
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;
  std::vector<RunnerStageStats> stages;
};

struct RunnerResult {
  int64_t sequence = 0;  // from 0, in push order
  Status status;         // ok: the outputs were written; otherwise the runner's first error
};

class PipelinedModelRunner {
 public:
  // Builds the pipeline for `plan` (which must fit `model`), asks `factory` (default:
  // DefaultDeviceFactory) for every device, prepares them and starts the stage threads.
  static StatusOr<std::unique_ptr<PipelinedModelRunner>> Create(const Model& model,
                                                                const Plan& plan,
                                                                DeviceFactory factory = nullptr,
                                                                const RunnerOptions& options = {});
  ~PipelinedModelRunner();  // aborts a stream still running, joins
  PipelinedModelRunner(const PipelinedModelRunner&) = delete;
  PipelinedModelRunner& operator=(const PipelinedModelRunner&) = delete;

  // Copies one input (Model::inputs() order, exact sizes) in; blocks while the first queue is
  // full. On ok the input is accepted and Pop returns it.
  Status Push(std::span<const std::span<const uint8_t>> inputs);
  Status Push(const std::vector<std::vector<uint8_t>>& inputs);
  // End of input.
  void Close();
  // The next result into `outputs` (Model::outputs() order, exact sizes); nullopt at end of
  // stream.
  std::optional<RunnerResult> Pop(std::span<const std::span<uint8_t>> outputs);
  // Same, resizing `outputs` to the model's outputs.
  std::optional<RunnerResult> Pop(std::vector<std::vector<uint8_t>>* outputs);
  // Closes the input, discards results not popped, joins; returns the first device error.
  Status Finish();

  RunnerStats Stats() const;
  const Model& model() const { return model_; }
  int num_stages() const;

 private:
  struct Impl;
  PipelinedModelRunner(Model model, std::unique_ptr<Impl> impl);
  Model model_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace segpipe::api

#endif  // SEGPIPE_API_RUNNER_H_
