// Pipeline: stage threads, frame pools, failure propagation and statistics.
#include "segpipe/pipeline/internal/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace segpipe {
namespace {

constexpr int64_t kNoFailure = std::numeric_limits<int64_t>::max();

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

Pipeline::Edge::Edge(const EdgeLayout& edge_layout, int capacity, int holders)
    : layout(&edge_layout),
      frames(static_cast<size_t>(capacity + holders)),
      free(static_cast<size_t>(capacity + holders)),
      full(static_cast<size_t>(capacity + holders)) {
  // `full` never blocks: it can hold the whole pool, and the pool alone bounds the queue (each
  // producer and consumer thread holds at most one frame).
  const size_t frame_bytes = static_cast<size_t>(std::max<int64_t>(layout->frame_bytes, 64));
  storage = std::make_unique<uint8_t[]>(frame_bytes * frames.size() + 64);
  uint8_t* base = storage.get();
  base += (64 - reinterpret_cast<uintptr_t>(base) % 64) % 64;
  for (size_t i = 0; i < frames.size(); ++i) {
    frames[i].data = base + i * frame_bytes;
    Frame* f = &frames[i];
    SEGPIPE_CHECK(free.TryPush(f));
  }
}

std::span<uint8_t> Pipeline::Edge::Slot(const Frame& f, int slot) const {
  const size_t s = static_cast<size_t>(slot);
  return {f.data + layout->offsets[s], static_cast<size_t>(layout->bytes[s])};
}

Pipeline::Pipeline(const Model& model, PipelinePlan plan, const PipelineOptions& options)
    : options_(options), plan_(std::move(plan)), failed_from_(kNoFailure) {
  const int n = static_cast<int>(plan_.stages.size());
  auto replicas = [&](int stage) {
    return options_.replicas.empty() ? 1 : options_.replicas[static_cast<size_t>(stage)];
  };
  for (int e = 0; e <= n; ++e) {
    int capacity = options_.queue_capacity;
    if (e == 0 && options_.input_capacity > 0) capacity = options_.input_capacity;
    if (e == n && options_.output_capacity > 0) capacity = options_.output_capacity;
    const int holders = (e == 0 ? 1 : replicas(e - 1)) + (e == n ? 1 : replicas(e));
    edges_.push_back(
        std::make_unique<Edge>(plan_.edges[static_cast<size_t>(e)], capacity, holders));
  }
  latency_ns_.assign(static_cast<size_t>(std::max(options_.latency_samples, 1)), 0);
}

StatusOr<std::unique_ptr<Pipeline>> Pipeline::Create(const Model& model,
                                                     std::span<const int> last_ops,
                                                     std::vector<std::unique_ptr<Device>> devices,
                                                     const PipelineOptions& options) {
  if (options.queue_capacity < 1 || options.input_capacity < 0 || options.output_capacity < 0)
    return InvalidArgumentError("pipeline queue capacities must be >= 1");
  SEGPIPE_ASSIGN_OR_RETURN(PipelinePlan plan, MakePipelinePlan(model, last_ops));
  size_t expected = plan.stages.size();
  if (!options.replicas.empty()) {
    if (options.replicas.size() != plan.stages.size())
      return InvalidArgumentError(fmt::format("replica counts given for {} stages, the pipeline "
                                              "has {}", options.replicas.size(), plan.stages.size()));
    expected = 0;
    for (int r : options.replicas) {
      if (r < 1) return InvalidArgumentError("every stage needs at least one device");
      expected += static_cast<size_t>(r);
    }
  }
  if (devices.size() != expected)
    return InvalidArgumentError(fmt::format("{} devices given for {} pipeline stages{}",
                                            devices.size(), plan.stages.size(),
                                            expected == plan.stages.size()
                                                ? ""
                                                : fmt::format(" ({} with replicas)", expected)));
  std::unique_ptr<Pipeline> p(new Pipeline(model, std::move(plan), options));
  size_t next_device = 0;
  for (size_t i = 0; i < p->plan_.stages.size(); ++i) {
    auto stage = std::make_unique<Stage>();
    stage->plan = &p->plan_.stages[i];
    const int replicas = options.replicas.empty() ? 1 : options.replicas[i];
    stage->replicas.resize(static_cast<size_t>(replicas));
    for (Replica& replica : stage->replicas) {
      if (devices[next_device] == nullptr)
        return InvalidArgumentError(fmt::format("device {} is null", next_device));
      replica.device = std::move(devices[next_device++]);
      SEGPIPE_RETURN_IF_ERROR(replica.device->Prepare(stage->plan->segment)
                                  .WithContext(fmt::format("preparing stage {} on {}", i,
                                                           replica.device->kind())));
      replica.in_spans.resize(stage->plan->input_slots.size());
      replica.out_spans.resize(stage->plan->output_slots.size());
    }
    stage->description = stage->replicas[0].device->Describe();
    if (replicas > 1) stage->description = fmt::format("{} x{}", stage->description, replicas);
    p->stages_.push_back(std::move(stage));
  }
  return p;
}

Pipeline::~Pipeline() { Stop(); }

Status Pipeline::Start() {
  if (started_) return FailedPreconditionError("pipeline already started");
  if (joined_) return FailedPreconditionError("pipeline already stopped; create a new one");
  started_ = true;
  for (auto& stage : stages_) stage->running.store(static_cast<int>(stage->replicas.size()));
  for (size_t i = 0; i < stages_.size(); ++i)
    for (size_t r = 0; r < stages_[i]->replicas.size(); ++r)
      stages_[i]->replicas[r].thread = std::thread(
          [this, i, r] { StageLoop(static_cast<int>(i), static_cast<int>(r)); });
  return OkStatus();
}

namespace {

// Wake-ups a stage owes its neighbours for the input it just handed on: deferred until its next
// invocation is under way (DeviceIo::Started) or until it is about to wait, whichever is first,
// so on an idle-waiting neighbour the cost of the wake-up overlaps this stage's device time.
template <typename Queue>
struct DeferredWakeups {
  Queue* upstream_free;   // the input frame went back here
  Queue* downstream_full; // the output frame went here
  bool upstream_pending = false, downstream_pending = false;

  void Flush() {
    if (downstream_pending) downstream_full->Notify();
    if (upstream_pending) upstream_free->Notify();
    downstream_pending = upstream_pending = false;
  }
  static void Run(void* self) { static_cast<DeferredWakeups*>(self)->Flush(); }
};

}  // namespace

void Pipeline::StageLoop(int index, int replica_index) {
  Stage& stage = *stages_[static_cast<size_t>(index)];
  Replica& replica = stage.replicas[static_cast<size_t>(replica_index)];
  Edge& in = *edges_[static_cast<size_t>(index)];
  Edge& out = *edges_[static_cast<size_t>(index) + 1];
  const bool last = index + 1 == static_cast<int>(stages_.size());
  const bool replicated = stage.replicas.size() > 1;
  Device& device = *replica.device;
  const bool device_reports_start = device.reports_start();
  DeferredWakeups<BoundedQueue<Frame*>> wakeups{&in.free, &out.full};
  device.OnStageThreadStart(index);
  for (;;) {
    const int64_t t0 = NowNs();
    Frame* src_frame = nullptr;
    if (!in.full.TryPop(&src_frame)) {
      wakeups.Flush();  // never wait while a neighbour may be waiting on us
      std::optional<Frame*> f = in.full.Pop();
      if (!f) break;  // end of stream (drained) or teardown
      src_frame = *f;
    }
    const int64_t t1 = NowNs();
    Frame* dst_frame = nullptr;
    if (!out.free.TryPop(&dst_frame)) {
      wakeups.Flush();
      std::optional<Frame*> f = out.free.Pop();
      if (!f) break;  // teardown
      dst_frame = *f;
    }
    if (!device_reports_start) wakeups.Flush();
    const int64_t t2 = NowNs();
    Frame& src = *src_frame;
    Frame& dst = *dst_frame;
    dst.sequence = src.sequence;
    dst.accept_ns = src.accept_ns;
    bool failed = src.failed || src.sequence >= failed_from_.load(std::memory_order_acquire);
    if (!failed) {
      for (size_t j = 0; j < replica.in_spans.size(); ++j)
        replica.in_spans[j] = in.Slot(src, stage.plan->input_slots[j]);
      for (size_t j = 0; j < replica.out_spans.size(); ++j)
        replica.out_spans[j] = out.Slot(dst, stage.plan->output_slots[j]);
      DeviceIo io{replica.in_spans, replica.out_spans};
      io.on_started = &DeferredWakeups<BoundedQueue<Frame*>>::Run;
      io.on_started_arg = &wakeups;
      Status status = device.Invoke(src.sequence, io);
      if (!status.ok()) {
        RecordFailure(src.sequence,
                      status.WithContext(
                          replicated ? fmt::format("stage {} ({}, replica {}) on input {}", index,
                                                   device.kind(), replica_index, src.sequence)
                                     : fmt::format("stage {} ({}) on input {}", index,
                                                   device.kind(), src.sequence)));
        failed = true;
      }
    }
    wakeups.Flush();  // skipped inputs, and devices that failed before reporting their start
    if (!failed) {
      for (const StageForward& f : stage.plan->forwards) {
        std::span<const uint8_t> from =
            f.from_out_edge ? out.Slot(dst, f.src_slot) : in.Slot(src, f.src_slot);
        std::memcpy(out.Slot(dst, f.dst_slot).data(), from.data(), from.size());
      }
    }
    dst.failed = failed;
    const int64_t t3 = NowNs();
    Frame* released = &src;
    wakeups.upstream_pending = in.free.TryPushDeferred(released);
    Frame* handed_on = &dst;
    bool pushed = false;
    if (!replicated) {
      if (last) RecordResult(dst, t3);
      pushed = out.full.TryPushDeferred(handed_on);
    } else {
      // Wait for every earlier input to leave this stage (other replicas may still hold them).
      wakeups.Flush();
      std::unique_lock lock(stage.order_mu);
      stage.order_cv.wait(lock, [&] {
        return stage.next_out == dst.sequence || stopping_.load(std::memory_order_acquire);
      });
      if (stage.next_out == dst.sequence) {
        // An earlier input failed on another replica after this one was taken: it leaves with
        // the error too, as on an unreplicated stage.
        if (dst.sequence >= failed_from_.load(std::memory_order_acquire)) dst.failed = true;
        if (last) RecordResult(dst, NowNs());
        pushed = out.full.TryPushDeferred(handed_on);
        ++stage.next_out;
      }
      lock.unlock();
      stage.order_cv.notify_all();
    }
    wakeups.downstream_pending = pushed;
    const int64_t t4 = NowNs();
    if (options_.trace != nullptr) {
      PipelineTrace& trace = *options_.trace;
      const int32_t st = index, rep = replica_index;
      if (t1 > t0) trace.Record({t0, t1, -1, st, rep, TraceKind::kWaitInput});
      if (t2 > t1) trace.Record({t1, t2, -1, st, rep, TraceKind::kBlockedOutput});
      trace.Record({t2, t3, dst.sequence, st, rep, TraceKind::kInvoke});
      if (t4 > t3) trace.Record({t3, t4, -1, st, rep, TraceKind::kBlockedOutput});
    }
    stage.count.fetch_add(1, std::memory_order_relaxed);
    stage.wait_input_ns.fetch_add(t1 - t0, std::memory_order_relaxed);
    stage.blocked_output_ns.fetch_add((t2 - t1) + (t4 - t3), std::memory_order_relaxed);
    stage.busy_ns.fetch_add(t3 - t2, std::memory_order_relaxed);
    if (!pushed) break;  // teardown
  }
  wakeups.Flush();
  if (stage.running.fetch_sub(1, std::memory_order_acq_rel) == 1) out.full.Close();
}

void Pipeline::RecordFailure(int64_t sequence, const Status& status) {
  {
    std::lock_guard lock(error_mu_);
    if (first_error_.ok()) first_error_ = status;
    if (sequence < failed_from_.load(std::memory_order_relaxed))
      failed_from_.store(sequence, std::memory_order_release);
  }
  // Refuse further inputs; what was accepted drains (with results or this error) and the
  // threads exit at the end of the stream.
  input_closed_.store(true, std::memory_order_release);
  edges_.front()->full.Close();
}

void Pipeline::RecordResult(const Frame& frame, int64_t done_ns) {
  std::lock_guard lock(result_mu_);
  if (frame.failed) {
    ++failed_;
  } else {
    latency_ns_[static_cast<size_t>(completed_) % latency_ns_.size()] = done_ns - frame.accept_ns;
    ++completed_;
  }
  last_done_ns_ = done_ns;
}

Status Pipeline::first_error() const {
  std::lock_guard lock(error_mu_);
  return first_error_;
}

Status Pipeline::Push(std::span<const std::span<const uint8_t>> inputs) {
  Edge& edge = *edges_.front();
  const EdgeLayout& layout = *edge.layout;
  if (inputs.size() != layout.tensors.size())
    return InvalidArgumentError(
        fmt::format("the model takes {} inputs, {} given", layout.tensors.size(), inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (static_cast<int64_t>(inputs[i].size()) != layout.bytes[i])
      return InvalidArgumentError(fmt::format("input {} has {} bytes, the model expects {}", i,
                                              inputs[i].size(), layout.bytes[i]));
  std::lock_guard push_lock(push_mu_);
  auto refused = [&]() -> Status {
    Status error = first_error();
    return error.ok() ? FailedPreconditionError("pipeline input is closed") : error;
  };
  if (input_closed_.load(std::memory_order_acquire)) return refused();
  std::optional<Frame*> frame = edge.free.Pop();
  if (!frame) return CancelledError("pipeline stopped");
  Frame& f = **frame;
  for (size_t i = 0; i < inputs.size(); ++i)
    std::memcpy(edge.Slot(f, static_cast<int>(i)).data(), inputs[i].data(), inputs[i].size());
  f.sequence = next_sequence_;
  f.failed = false;
  f.accept_ns = NowNs();
  {
    std::lock_guard lock(result_mu_);
    if (first_accept_ns_ < 0) first_accept_ns_ = f.accept_ns;
  }
  if (!edge.full.Push(&f)) {
    edge.free.Push(&f);
    return refused();
  }
  ++next_sequence_;
  return OkStatus();
}

void Pipeline::CloseInput() {
  input_closed_.store(true, std::memory_order_release);
  edges_.front()->full.Close();
}

std::optional<PopResult> Pipeline::Pop(std::span<const std::span<uint8_t>> outputs) {
  Edge& edge = *edges_.back();
  std::optional<Frame*> frame = edge.full.Pop();
  if (!frame) return std::nullopt;
  Frame& f = **frame;
  PopResult result;
  result.sequence = f.sequence;
  const EdgeLayout& layout = *edge.layout;
  if (f.failed) {
    result.status = first_error();
  } else if (outputs.size() != layout.tensors.size()) {
    result.status = InvalidArgumentError(fmt::format(
        "the model has {} outputs, {} buffers given", layout.tensors.size(), outputs.size()));
  } else {
    for (size_t i = 0; i < outputs.size() && result.status.ok(); ++i) {
      if (static_cast<int64_t>(outputs[i].size()) != layout.bytes[i]) {
        result.status = InvalidArgumentError(fmt::format(
            "output buffer {} has {} bytes, the model produces {}", i, outputs[i].size(),
            layout.bytes[i]));
      } else {
        std::memcpy(outputs[i].data(), edge.Slot(f, static_cast<int>(i)).data(), outputs[i].size());
      }
    }
  }
  edge.free.Push(&f);
  return result;
}

Status Pipeline::RunBatch(std::span<const std::vector<std::span<const uint8_t>>> inputs,
                          std::span<const std::vector<std::span<uint8_t>>> outputs,
                          std::span<Status> statuses) {
  if (!started_ || joined_) return FailedPreconditionError("RunBatch needs a started pipeline");
  if (outputs.size() != inputs.size() || statuses.size() != inputs.size())
    return InvalidArgumentError("RunBatch needs as many output sets and statuses as inputs");
  const size_t n = inputs.size();
  size_t pushed = 0, popped = 0;
  Status push_error;
  Edge& in = *edges_.front();
  while (popped < n) {
    // Queue every input that fits without waiting, then wait for one result: the caller never
    // blocks on a full input queue, so the stages always have someone draining their results.
    while (pushed < n && push_error.ok() && in.free.size() > 0) {
      push_error = Push(inputs[pushed]);
      if (push_error.ok()) ++pushed;
    }
    if (!push_error.ok()) {
      for (size_t i = pushed; i < n; ++i) statuses[i] = push_error;
      if (popped == pushed) break;
    }
    if (popped == pushed && pushed < n && push_error.ok()) {
      push_error = Push(inputs[pushed]);  // nothing in flight: waiting for room cannot deadlock
      if (push_error.ok()) ++pushed;
      continue;
    }
    if (popped < pushed) {
      std::optional<PopResult> r = Pop(outputs[popped]);
      if (!r) {  // stopped under us: accepted inputs lost their results
        const Status stopped = CancelledError("pipeline stopped before the batch finished");
        for (size_t i = popped; i < pushed; ++i) statuses[i] = stopped;
        if (push_error.ok())
          for (size_t i = pushed; i < n; ++i) statuses[i] = stopped;
        break;
      }
      statuses[popped++] = std::move(r->status);
    }
  }
  for (const Status& s : statuses)
    if (!s.ok()) return s;
  return OkStatus();
}

Status Pipeline::Finish() {
  CloseInput();
  if (started_ && !joined_) {
    Edge& out = *edges_.back();
    while (std::optional<Frame*> f = out.full.Pop()) out.free.Push(*f);
    for (auto& stage : stages_)
      for (Replica& r : stage->replicas)
        if (r.thread.joinable()) r.thread.join();
    joined_ = true;
  }
  return first_error();
}

void Pipeline::Stop() {
  input_closed_.store(true, std::memory_order_release);
  stopping_.store(true, std::memory_order_release);
  for (auto& edge : edges_) {
    edge->full.Close();
    edge->free.Close();
  }
  for (auto& stage : stages_) {
    {
      std::lock_guard lock(stage->order_mu);  // a replica between its check and its wait
    }
    stage->order_cv.notify_all();
    for (Replica& r : stage->replicas) r.device->Cancel();
  }
  for (auto& stage : stages_)
    for (Replica& r : stage->replicas)
      if (r.thread.joinable()) r.thread.join();
  joined_ = true;
}

PipelineStats Pipeline::Stats() const {
  PipelineStats s;
  for (const auto& stage : stages_) {
    StageStats st;
    st.device = stage->description;
    st.replicas = static_cast<int>(stage->replicas.size());
    st.first_op = stage->plan->first_op;
    st.last_op = stage->plan->last_op;
    st.count = stage->count.load(std::memory_order_relaxed);
    st.busy_ns = stage->busy_ns.load(std::memory_order_relaxed);
    st.wait_input_ns = stage->wait_input_ns.load(std::memory_order_relaxed);
    st.blocked_output_ns = stage->blocked_output_ns.load(std::memory_order_relaxed);
    s.stages.push_back(std::move(st));
  }
  std::vector<int64_t> latencies;
  {
    std::lock_guard lock(result_mu_);
    s.completed = completed_;
    s.failed = failed_;
    s.elapsed_ns = first_accept_ns_ < 0 ? 0 : last_done_ns_ - first_accept_ns_;
    const size_t kept = static_cast<size_t>(std::min<int64_t>(completed_,
                                                              static_cast<int64_t>(latency_ns_.size())));
    latencies.assign(latency_ns_.begin(), latency_ns_.begin() + static_cast<ptrdiff_t>(kept));
  }
  std::sort(latencies.begin(), latencies.end());
  s.latency_p50_ns = Percentile(latencies, 0.50);
  s.latency_p90_ns = Percentile(latencies, 0.90);
  s.latency_p99_ns = Percentile(latencies, 0.99);
  s.latency_max_ns = latencies.empty() ? 0 : latencies.back();
  if (s.elapsed_ns > 0)
    s.throughput_per_s = static_cast<double>(s.completed + s.failed) * 1e9 /
                         static_cast<double>(s.elapsed_ns);
  return s;
}

std::vector<size_t> Pipeline::QueueHighWaterMarks() const {
  std::vector<size_t> marks;
  for (const auto& edge : edges_) marks.push_back(edge->full.high_water_mark());
  return marks;
}

std::vector<int> Pipeline::PoolSizes() const {
  std::vector<int> sizes;
  for (const auto& edge : edges_) sizes.push_back(static_cast<int>(edge->frames.size()));
  return sizes;
}

}  // namespace segpipe
