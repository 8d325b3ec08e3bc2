// Pipeline: runs the segments of a split model on several devices, one thread per device.
//
//   SEGPIPE_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Create(model, last_ops, std::move(devices)));
//   SEGPIPE_RETURN_IF_ERROR(pipeline->Start());
//   producer thread:  for (...) if (!pipeline->Push(inputs).ok()) break;   pipeline->CloseInput();
//   consumer thread:  while (auto r = pipeline->Pop(outputs)) { r->sequence, r->status ... }
//   pipeline->Finish();                          // joins; or just destroy it (aborts and joins)
//
// Stage i runs segment i on devices[i], or on options.replicas[i] devices, one thread each: a
// free replica takes the next input, and a replica that finishes before an earlier input of its
// stage has left waits for it, so results leave every stage in input order. Between stages sit
// bounded FIFO queues of frames: each frame is one preallocated buffer holding every tensor live
// at that cut (see PipelinePlan), so tensors move through the queues as values from fixed pools
// and the steady state allocates nothing. Each edge of queue capacity C owns exactly C + P + Q
// frames (C waiting, one for each of the P producing and Q consuming threads; C + 2 without
// replicas); a producer that finds none free waits, so a slow consumer stalls its producers and
// memory stays bounded. Threads block on condition variables, never spin. A stage
// wakes its neighbours once its next invocation is under way (DeviceIo::Started) or before it
// waits itself, which keeps the wake-up off the paced stages' critical path.
//
// Failures: the first device error is recorded with the input it hit (sequence k). Inputs before
// k come out with their results, every accepted input from k on comes out with that error, later
// Push calls return it, and the stages keep draining so every thread exits at end of stream.
// Teardown (Stop or the destructor) closes every queue and cancels every device, so it returns
// even with a stalled device or a consumer that stopped popping. A pipeline runs one stream; to
// run again, destroy it and Create a new one.
//
// Thread-safety: Push/CloseInput and Pop may be called from different threads (several pushers
// are serialized); Stats from any thread; Start and Finish from the owning thread. Stop may be
// called while other threads are blocked in Push or Pop: it releases them. Destroy the pipeline
// only once no other thread is inside one of its methods.
#ifndef SEGPIPE_PIPELINE_INTERNAL_PIPELINE_H_
#define SEGPIPE_PIPELINE_INTERNAL_PIPELINE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/device.h"
#include "segpipe/model/model.h"
#include "segpipe/pipeline/internal/bounded_queue.h"
#include "segpipe/pipeline/internal/plan.h"
#include "segpipe/pipeline/internal/stream_pipeline.h"
#include "segpipe/pipeline/internal/trace.h"

namespace segpipe {

struct PipelineOptions {
  int queue_capacity = 1;   // frames waiting between two stages (libcoral keeps 1)
  int input_capacity = 0;   // frames waiting before stage 0; 0 = queue_capacity
  int output_capacity = 0;  // results waiting for Pop; 0 = queue_capacity
  int latency_samples = 1 << 16;  // end-to-end latencies kept for percentiles (a ring)
  // Devices serving each stage (empty: one each). A replicated stage runs one thread per
  // device; each takes the next input when free, and results still leave in input order.
  std::vector<int> replicas;
  // Opt-in timeline (run --trace): every invocation and wait, into its pre-sized buffer.
  PipelineTrace* trace = nullptr;
};

class Pipeline final : public StreamPipeline {
 public:
  // Builds the plan and prepares every device (on this thread). `last_ops` as in
  // MakePipelinePlan; devices.size() must equal the number of stages, or the sum of
  // options.replicas (stage 0's replicas first, then stage 1's, ...).
  static StatusOr<std::unique_ptr<Pipeline>> Create(const Model& model,
                                                    std::span<const int> last_ops,
                                                    std::vector<std::unique_ptr<Device>> devices,
                                                    const PipelineOptions& options = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Starts the stage threads. Once.
  Status Start() override;

  // Copies one input (model inputs in Model::inputs order, exact byte sizes) into the pipeline;
  // blocks while the input queue is full. Returns the error once the pipeline failed, and
  // FailedPrecondition after CloseInput/Stop. On ok the input is accepted: Pop returns it.
  Status Push(std::span<const std::span<const uint8_t>> inputs) override;

  // End of stream: once the accepted inputs drain, Pop returns nullopt and the threads exit.
  void CloseInput() override;

  // Next result in input order; writes the model outputs (Model::outputs order) when ok.
  // nullopt at end of stream (or after Stop).
  std::optional<PopResult> Pop(std::span<const std::span<uint8_t>> outputs) override;

  // Runs a whole batch from the calling thread: pushes inputs[i] and pops into outputs[i],
  // interleaving so it never deadlocks whatever the capacities. statuses[i] gets each result.
  // Returns the first error (or ok). With input_capacity >= batch size every input is queued
  // before the first result is taken, as the paper's batch timing did.
  Status RunBatch(std::span<const std::vector<std::span<const uint8_t>>> inputs,
                  std::span<const std::vector<std::span<uint8_t>>> outputs,
                  std::span<Status> statuses);

  // Closes the input, discards results not yet popped, joins the threads. Returns the first
  // device error, if any.
  Status Finish() override;
  // Aborts: closes every queue, cancels every device, joins. Idempotent.
  void Stop() override;

  PipelineStats Stats() const override;
  Status first_error() const;
  int num_stages() const { return static_cast<int>(stages_.size()); }
  const PipelinePlan& plan() const { return plan_; }
  Device& device(int stage, int replica = 0) {
    return *stages_[static_cast<size_t>(stage)]->replicas[static_cast<size_t>(replica)].device;
  }
  int num_replicas(int stage) const {
    return static_cast<int>(stages_[static_cast<size_t>(stage)]->replicas.size());
  }
  // Most frames that ever waited in each queue (edge 0 = inputs, last = results).
  std::vector<size_t> QueueHighWaterMarks() const;
  // Frames in each edge's pool: the memory bound (times the edge's frame bytes).
  std::vector<int> PoolSizes() const;

 private:
  struct Frame {
    int64_t sequence = 0;
    int64_t accept_ns = 0;
    bool failed = false;
    uint8_t* data = nullptr;
  };
  // The frames of one edge: a fixed pool, a free list and the queue of filled frames.
  struct Edge {
    // `holders`: threads that may each hold a frame besides the queued ones (the replicas of
    // the stages on both ends, or the caller).
    Edge(const EdgeLayout& layout, int capacity, int holders);
    const EdgeLayout* layout;
    std::unique_ptr<uint8_t[]> storage;  // all frames of this edge, allocated once
    std::vector<Frame> frames;
    BoundedQueue<Frame*> free;  // frames nobody holds
    BoundedQueue<Frame*> full;  // filled frames waiting for the consumer, FIFO
    std::span<uint8_t> Slot(const Frame& f, int slot) const;
  };
  struct Replica {
    std::unique_ptr<Device> device;
    std::thread thread;
    std::vector<std::span<const uint8_t>> in_spans;  // reused per invocation
    std::vector<std::span<uint8_t>> out_spans;
  };
  struct Stage {
    const StagePlan* plan = nullptr;
    std::vector<Replica> replicas;
    std::string description;
    // Written by the stage threads; atomics so Stats can read them while they run.
    std::atomic<int64_t> count{0}, busy_ns{0}, wait_input_ns{0}, blocked_output_ns{0};
    std::atomic<int> running{0};  // replica threads not yet exited; the last closes the output
    // Replicated stages only: results leave in input order. A replica whose input is not the
    // next to leave waits here (inputs arrive in sequence order, so the next to leave is the
    // next sequence number).
    std::mutex order_mu;
    std::condition_variable order_cv;
    int64_t next_out = 0;  // guarded by order_mu
  };

  Pipeline(const Model& model, PipelinePlan plan, const PipelineOptions& options);
  void StageLoop(int index, int replica);
  void RecordFailure(int64_t sequence, const Status& status);
  void RecordResult(const Frame& frame, int64_t done_ns);

  PipelineOptions options_;
  PipelinePlan plan_;                        // owns the segments the devices run
  std::vector<std::unique_ptr<Edge>> edges_;
  std::vector<std::unique_ptr<Stage>> stages_;  // after plan_: devices die first
  bool started_ = false;
  bool joined_ = false;
  std::atomic<bool> stopping_{false};  // teardown: replicas stop waiting for their turn

  std::mutex push_mu_;        // serializes pushers so sequence numbers follow queue order
  int64_t next_sequence_ = 0; // guarded by push_mu_
  std::atomic<bool> input_closed_{false};

  // Inputs at or after this sequence fail; the first error explains why.
  std::atomic<int64_t> failed_from_;
  mutable std::mutex error_mu_;
  Status first_error_;  // guarded by error_mu_

  mutable std::mutex result_mu_;     // taken once per result by the last stage
  std::vector<int64_t> latency_ns_;  // ring of end-to-end latencies, sized once
  int64_t completed_ = 0, failed_ = 0;
  int64_t first_accept_ns_ = -1, last_done_ns_ = 0;
};

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_INTERNAL_PIPELINE_H_
