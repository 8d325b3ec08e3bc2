// Pipeline: stage threads, frame pools, failure propagation and statistics.
#include "segpipe/pipeline/pipeline.h"

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

Pipeline::Edge::Edge(const EdgeLayout& edge_layout, int capacity)
    : layout(&edge_layout),
      frames(static_cast<size_t>(capacity) + 2),
      free(static_cast<size_t>(capacity) + 2),
      full(static_cast<size_t>(capacity) + 2) {
  // One waiting beyond `capacity` is impossible: the producer holds one frame and the consumer
  // one, so `full` never blocks and the pool alone bounds the queue.
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
  for (int e = 0; e <= n; ++e) {
    int capacity = options_.queue_capacity;
    if (e == 0 && options_.input_capacity > 0) capacity = options_.input_capacity;
    if (e == n && options_.output_capacity > 0) capacity = options_.output_capacity;
    edges_.push_back(std::make_unique<Edge>(plan_.edges[static_cast<size_t>(e)], capacity));
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
  if (devices.size() != plan.stages.size())
    return InvalidArgumentError(fmt::format("{} devices given for {} pipeline stages",
                                            devices.size(), plan.stages.size()));
  std::unique_ptr<Pipeline> p(new Pipeline(model, std::move(plan), options));
  for (size_t i = 0; i < devices.size(); ++i) {
    if (devices[i] == nullptr) return InvalidArgumentError(fmt::format("device {} is null", i));
    auto stage = std::make_unique<Stage>();
    stage->plan = &p->plan_.stages[i];
    stage->device = std::move(devices[i]);
    SEGPIPE_RETURN_IF_ERROR(stage->device->Prepare(stage->plan->segment)
                                .WithContext(fmt::format("preparing stage {} on {}", i,
                                                         stage->device->kind())));
    stage->in_spans.resize(stage->plan->input_slots.size());
    stage->out_spans.resize(stage->plan->output_slots.size());
    stage->description = stage->device->Describe();
    p->stages_.push_back(std::move(stage));
  }
  return p;
}

Pipeline::~Pipeline() { Stop(); }

Status Pipeline::Start() {
  if (started_) return FailedPreconditionError("pipeline already started");
  if (joined_) return FailedPreconditionError("pipeline already stopped; create a new one");
  started_ = true;
  for (size_t i = 0; i < stages_.size(); ++i)
    stages_[i]->thread = std::thread([this, i] { StageLoop(static_cast<int>(i)); });
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

void Pipeline::StageLoop(int index) {
  Stage& stage = *stages_[static_cast<size_t>(index)];
  Edge& in = *edges_[static_cast<size_t>(index)];
  Edge& out = *edges_[static_cast<size_t>(index) + 1];
  const bool last = index + 1 == static_cast<int>(stages_.size());
  const bool device_reports_start = stage.device->reports_start();
  DeferredWakeups<BoundedQueue<Frame*>> wakeups{&in.free, &out.full};
  stage.device->OnStageThreadStart(index);
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
      for (size_t j = 0; j < stage.in_spans.size(); ++j)
        stage.in_spans[j] = in.Slot(src, stage.plan->input_slots[j]);
      for (size_t j = 0; j < stage.out_spans.size(); ++j)
        stage.out_spans[j] = out.Slot(dst, stage.plan->output_slots[j]);
      DeviceIo io{stage.in_spans, stage.out_spans};
      io.on_started = &DeferredWakeups<BoundedQueue<Frame*>>::Run;
      io.on_started_arg = &wakeups;
      Status status = stage.device->Invoke(src.sequence, io);
      if (!status.ok()) {
        RecordFailure(src.sequence,
                      status.WithContext(fmt::format("stage {} ({}) on input {}", index,
                                                     stage.device->kind(), src.sequence)));
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
    if (last) RecordResult(dst, t3);
    Frame* handed_on = &dst;
    const bool pushed = out.full.TryPushDeferred(handed_on);
    wakeups.downstream_pending = pushed;
    const int64_t t4 = NowNs();
    stage.count.fetch_add(1, std::memory_order_relaxed);
    stage.wait_input_ns.fetch_add(t1 - t0, std::memory_order_relaxed);
    stage.blocked_output_ns.fetch_add((t2 - t1) + (t4 - t3), std::memory_order_relaxed);
    stage.busy_ns.fetch_add(t3 - t2, std::memory_order_relaxed);
    if (!pushed) break;  // teardown
  }
  wakeups.Flush();
  out.full.Close();
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
      if (stage->thread.joinable()) stage->thread.join();
    joined_ = true;
  }
  return first_error();
}

void Pipeline::Stop() {
  input_closed_.store(true, std::memory_order_release);
  for (auto& edge : edges_) {
    edge->full.Close();
    edge->free.Close();
  }
  for (auto& stage : stages_) stage->device->Cancel();
  for (auto& stage : stages_)
    if (stage->thread.joinable()) stage->thread.join();
  joined_ = true;
}

PipelineStats Pipeline::Stats() const {
  PipelineStats s;
  for (const auto& stage : stages_) {
    StageStats st;
    st.device = stage->description;
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
