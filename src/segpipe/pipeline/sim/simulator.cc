// Discrete-event simulation of the pipeline in virtual time.
#include "segpipe/pipeline/sim/internal/simulator.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include <fmt/format.h>

namespace segpipe {
namespace {

enum class EventKind : uint8_t { kStageWake, kPhaseEnd, kConsumerWake };

struct Event {
  int64_t time_ns;
  int64_t order;  // ties: first scheduled, first handled (deterministic)
  EventKind kind;
  int stage;
  int replica;
  bool operator>(const Event& o) const {
    return time_ns != o.time_ns ? time_ns > o.time_ns : order > o.order;
  }
};

// One queued frame: which input, when it becomes visible, when the input entered the pipeline.
struct QueuedFrame {
  int64_t id = 0, ready_ns = 0, accept_ns = 0;
};

// A FIFO of queued frames in a fixed ring: the frames waiting on one edge.
struct EdgeState {
  int free_frames = 0;
  std::vector<QueuedFrame> ring;
  size_t head = 0, size = 0;
  void Push(const QueuedFrame& f) { ring[(head + size++) % ring.size()] = f; }
  const QueuedFrame& Front() const { return ring[head]; }
  void PopFront() {
    head = (head + 1) % ring.size();
    --size;
  }
};

// One device serving a stage.
struct ReplicaState {
  bool busy = false;  // holds an input (working, or done and waiting for its turn to hand on)
  bool done = false;  // finished, waiting until every earlier input of the stage was handed on
  int phase = 0;
  QueuedFrame item;
  int64_t idle_since_ns = 0;  // trace: when it last handed an input on
  int64_t done_ns = 0;        // trace: when it finished its current input
};

struct StageState {
  std::vector<ReplicaState> replicas;
  int64_t next_out = 0;       // results leave each stage in input order
  int64_t busy_ns = 0;
  int64_t next_wake_ns = -1;  // a wake-up already scheduled at this time (avoids duplicates)
};

struct ResourceState {
  bool busy = false;
  std::vector<std::pair<int, int>> waiters;  // FIFO of (stage, replica), ring
  size_t head = 0, size = 0;
};

// Latency samples: the last kMaxSamples, like the runtime's ring, so memory does not grow with
// the number of inputs.
constexpr size_t kMaxLatencySamples = 1 << 16;

class Simulation {
 public:
  Simulation(const SimConfig& config, int64_t inputs, bool batch)
      : c_(config), n_(inputs), batch_(batch), stages_(config.stages.size()),
        resources_(static_cast<size_t>(config.num_resources)) {
    const size_t s = c_.stages.size();
    size_t servers = 0;
    for (size_t i = 0; i < s; ++i) {
      stages_[i].replicas.resize(static_cast<size_t>(c_.stages[i].replicas));
      servers += stages_[i].replicas.size();
    }
    for (size_t e = 0; e <= s; ++e) {
      int capacity = c_.queue_capacity;
      if (e == 0 && c_.input_capacity > 0) capacity = c_.input_capacity;
      if (e == s && c_.output_capacity > 0) capacity = c_.output_capacity;
      if (e == 0 && batch_) capacity = static_cast<int>(std::max<int64_t>(capacity, n_));
      // As Pipeline: the capacity plus one frame for each thread that can hold one (every
      // replica of the producing and of the consuming stage; the caller on either end).
      const int holders = (e == 0 ? 1 : c_.stages[e - 1].replicas) +
                          (e == s ? 1 : c_.stages[e].replicas);
      EdgeState edge;
      edge.free_frames = capacity + holders;
      edge.ring.resize(static_cast<size_t>(capacity + holders));
      edges_.push_back(std::move(edge));
    }
    for (ResourceState& r : resources_) r.waiters.resize(servers + 1);
    latency_ns_.reserve(static_cast<size_t>(std::min<int64_t>(n_, kMaxLatencySamples)));
    std::vector<Event> storage;
    storage.reserve(4 * servers + 16);
    events_ = decltype(events_)(std::greater<Event>(), std::move(storage));
  }

  SimResult Run(SimTrace* trace) {
    trace_ = trace;
    start_ns_ = c_.startup_ns;
    for (StageState& st : stages_)
      for (ReplicaState& rep : st.replicas) rep.idle_since_ns = start_ns_;
    Feed(0);
    for (size_t s = 0; s < stages_.size(); ++s) Schedule(start_ns_, EventKind::kStageWake, int(s));
    int64_t events = 0;
    while (!events_.empty()) {
      const Event ev = events_.top();
      events_.pop();
      ++events;
      switch (ev.kind) {
        case EventKind::kStageWake:
          if (stages_[ev.stage].next_wake_ns == ev.time_ns) stages_[ev.stage].next_wake_ns = -1;
          TryStart(ev.stage, ev.time_ns);
          break;
        case EventKind::kPhaseEnd:
          PhaseEnd(ev.stage, ev.replica, ev.time_ns);
          break;
        case EventKind::kConsumerWake:
          Consume(ev.time_ns);
          break;
      }
    }
    SimResult r;
    r.inputs = n_;
    r.events = events;
    r.total_ns = last_done_ns_;
    r.time_per_inference_ns = n_ > 0 ? double(r.total_ns) / double(n_) : 0;
    r.throughput_per_s = r.total_ns > 0 ? double(n_) * 1e9 / double(r.total_ns) : 0;
    for (size_t i = 0; i < stages_.size(); ++i) {
      const double capacity = double(r.total_ns) * double(stages_[i].replicas.size());
      r.stage_utilisation.push_back(r.total_ns > 0 ? double(stages_[i].busy_ns) / capacity : 0);
    }
    if (!latency_ns_.empty()) {
      auto at = [&](double p) {
        auto it = latency_ns_.begin() +
                  static_cast<ptrdiff_t>(p * double(latency_ns_.size() - 1) + 0.5);
        std::nth_element(latency_ns_.begin(), it, latency_ns_.end());
        return *it;
      };
      r.latency_p50_ns = at(0.5);
      r.latency_p90_ns = at(0.9);
      r.latency_p99_ns = at(0.99);
      r.latency_max_ns = latency_max_ns_;
    }
    return r;
  }

 private:
  void Schedule(int64_t t, EventKind kind, int stage, int replica = 0) {
    events_.push(Event{t, order_++, kind, stage, replica});
  }

  void WakeStage(int s, int64_t t) {
    StageState& st = stages_[static_cast<size_t>(s)];
    if (st.next_wake_ns == t) return;
    st.next_wake_ns = t;
    Schedule(t, EventKind::kStageWake, s);
  }

  // The producer of edge 0: the caller pushing inputs while frames are free.
  void Feed(int64_t t) {
    EdgeState& in = edges_[0];
    while (fed_ < n_ && in.free_frames > 0) {
      --in.free_frames;
      // Batch inputs are queued before the threads start: no hand-off wake-up to pay.
      in.Push(QueuedFrame{fed_, batch_ ? t : t + c_.per_hop_ns, t});
      ++fed_;
    }
  }

  void TryStart(int s, int64_t t) {
    const size_t si = static_cast<size_t>(s);
    StageState& st = stages_[si];
    if (t < start_ns_) return;
    EdgeState& in = edges_[si];
    EdgeState& out = edges_[si + 1];
    for (size_t r = 0; r < st.replicas.size(); ++r) {
      ReplicaState& rep = st.replicas[r];
      if (rep.busy) continue;
      if (in.size == 0 || out.free_frames == 0) return;  // a later event wakes us
      if (in.Front().ready_ns > t) {
        WakeStage(s, in.Front().ready_ns);
        return;
      }
      rep.item = in.Front();
      in.PopFront();
      --out.free_frames;
      rep.busy = true;
      rep.done = false;
      rep.phase = 0;
      if (trace_) {
        const int64_t input_at = std::clamp(rep.item.ready_ns, rep.idle_since_ns, t);
        trace_->OnWait(s, static_cast<int>(r), false, rep.idle_since_ns, input_at);
        trace_->OnWait(s, static_cast<int>(r), true, input_at, t);
        trace_->OnStart(s, static_cast<int>(r), rep.item.id, t);
      }
      BeginPhase(s, static_cast<int>(r), t);
    }
  }

  const SimPhase& PhaseOf(int s, int r) const {
    const size_t si = static_cast<size_t>(s);
    return c_.stages[si].phases[static_cast<size_t>(stages_[si].replicas[static_cast<size_t>(r)].phase)];
  }

  void BeginPhase(int s, int r, int64_t t) {
    const SimPhase& p = PhaseOf(s, r);
    if (p.resource >= 0) {
      ResourceState& res = resources_[static_cast<size_t>(p.resource)];
      if (res.busy) {
        res.waiters[(res.head + res.size++) % res.waiters.size()] = {s, r};
        return;
      }
      res.busy = true;
    }
    stages_[static_cast<size_t>(s)].busy_ns += p.duration_ns;
    Schedule(t + p.duration_ns, EventKind::kPhaseEnd, s, r);
  }

  void PhaseEnd(int s, int r, int64_t t) {
    const size_t si = static_cast<size_t>(s);
    StageState& st = stages_[si];
    ReplicaState& rep = st.replicas[static_cast<size_t>(r)];
    const SimPhase& p = PhaseOf(s, r);
    if (p.resource >= 0) {
      ResourceState& res = resources_[static_cast<size_t>(p.resource)];
      if (res.size > 0) {  // hand the resource straight to the first waiter
        const auto [ws, wr] = res.waiters[res.head];
        res.head = (res.head + 1) % res.waiters.size();
        --res.size;
        const SimPhase& wp = PhaseOf(ws, wr);
        stages_[static_cast<size_t>(ws)].busy_ns += wp.duration_ns;
        Schedule(t + wp.duration_ns, EventKind::kPhaseEnd, ws, wr);
      } else {
        res.busy = false;
      }
    }
    if (++rep.phase < static_cast<int>(c_.stages[si].phases.size())) {
      BeginPhase(s, r, t);
      return;
    }
    // Done: free the input frame, then hand the output on once every earlier input of this
    // stage has been (replicas finish out of order; results leave in input order). The stage's
    // own thread goes on at once while its producer has to be woken up, so on a tie for a
    // shared resource this stage is first, as in the threaded runtime.
    if (trace_) trace_->OnEnd(s, r, rep.item.id, t);
    rep.done = true;
    rep.done_ns = t;
    ++edges_[si].free_frames;
    bool handed_on = false;
    for (bool progress = true; progress;) {
      progress = false;
      for (ReplicaState& other : st.replicas) {
        if (!other.done || other.item.id != st.next_out) continue;
        other.done = false;
        other.busy = false;
        other.idle_since_ns = t;
        if (trace_)
          trace_->OnWait(s, static_cast<int>(&other - st.replicas.data()), true, other.done_ns, t);
        ++st.next_out;
        QueuedFrame f = other.item;
        f.ready_ns = t + c_.per_hop_ns;
        edges_[si + 1].Push(f);
        handed_on = progress = true;
      }
    }
    if (handed_on) {
      if (si + 1 == stages_.size()) {
        Schedule(t + c_.per_hop_ns, EventKind::kConsumerWake, -1);
      } else {
        WakeStage(s + 1, t + c_.per_hop_ns);
      }
    }
    TryStart(s, t);
    if (s == 0) {
      Feed(t);
    } else {
      TryStart(s - 1, t);
    }
  }

  void Consume(int64_t t) {
    EdgeState& out = edges_.back();
    while (out.size > 0 && out.Front().ready_ns <= t) {
      const int64_t latency = t - out.Front().accept_ns;
      out.PopFront();
      ++out.free_frames;
      if (latency_ns_.size() < kMaxLatencySamples) {
        latency_ns_.push_back(latency);
      } else {
        latency_ns_[static_cast<size_t>(consumed_) % kMaxLatencySamples] = latency;
      }
      latency_max_ns_ = std::max(latency_max_ns_, latency);
      ++consumed_;
      last_done_ns_ = t;
    }
    TryStart(static_cast<int>(stages_.size()) - 1, t);
  }

  const SimConfig& c_;
  const int64_t n_;
  const bool batch_;
  SimTrace* trace_ = nullptr;
  int64_t start_ns_ = 0;
  int64_t fed_ = 0;
  int64_t consumed_ = 0;
  int64_t order_ = 0;
  int64_t last_done_ns_ = 0;
  int64_t latency_max_ns_ = 0;
  std::vector<EdgeState> edges_;
  std::vector<StageState> stages_;
  std::vector<ResourceState> resources_;
  std::vector<int64_t> latency_ns_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
};

Status Validate(const SimConfig& config, int64_t inputs) {
  if (config.stages.empty()) return InvalidArgumentError("simulation needs at least one stage");
  if (inputs < 1) return InvalidArgumentError("simulation needs at least one input");
  if (config.queue_capacity < 1 || config.input_capacity < 0 || config.output_capacity < 0)
    return InvalidArgumentError("queue capacities must be >= 1");
  if (config.per_hop_ns < 0 || config.startup_ns < 0)
    return InvalidArgumentError("hop and startup times must be >= 0");
  for (size_t s = 0; s < config.stages.size(); ++s) {
    if (config.stages[s].phases.empty())
      return InvalidArgumentError(fmt::format("stage {} has no phases", s));
    if (config.stages[s].replicas < 1 || config.stages[s].replicas > 64)
      return InvalidArgumentError(fmt::format("stage {} needs 1 to 64 replicas", s));
    for (const SimPhase& p : config.stages[s].phases)
      if (p.duration_ns < 0 || p.resource >= config.num_resources || p.resource < -1)
        return InvalidArgumentError(fmt::format("stage {} has a bad phase", s));
  }
  return OkStatus();
}

}  // namespace

int64_t SimStage::service_ns() const {
  int64_t sum = 0;
  for (const SimPhase& p : phases) sum += p.duration_ns;
  return sum;
}

StatusOr<SimResult> SimulateBatch(const SimConfig& config, int64_t batch, SimTrace* trace) {
  SEGPIPE_RETURN_IF_ERROR(Validate(config, batch));
  return Simulation(config, batch, /*batch=*/true).Run(trace);
}

StatusOr<SimResult> SimulateStream(const SimConfig& config, int64_t inputs, SimTrace* trace) {
  SEGPIPE_RETURN_IF_ERROR(Validate(config, inputs));
  return Simulation(config, inputs, /*batch=*/false).Run(trace);
}

SimStage EdgeTpuSimStage(const SegmentTiming& timing, double cpu_ops_ns, const HostProfile& host,
                         bool shared_host_link, int replicas) {
  SimStage stage;
  stage.replicas = replicas;
  if (host.per_stage_host_ns > 0)
    stage.phases.push_back(SimPhase{std::llround(host.per_stage_host_ns),
                                    host.host_serialized ? kHostWorkResource : -1});
  if (shared_host_link) {
    const double link_ns = EdgeTpuLinkNs(timing);
    stage.phases.push_back(SimPhase{std::llround(link_ns), kHostLinkResource});
    stage.phases.push_back(SimPhase{std::llround(timing.total_ns() - link_ns), -1});
  } else {
    stage.phases.push_back(SimPhase{std::llround(timing.total_ns()), -1});
  }
  if (cpu_ops_ns > 0) stage.phases.push_back(SimPhase{std::llround(cpu_ops_ns), -1});
  return stage;
}

double EdgeTpuLinkNs(const SegmentTiming& timing) {
  return timing.input_transfer_ns + timing.output_transfer_ns + timing.stream_ns +
         timing.restream_ns;
}

SimConfig PipelineSimConfig(std::vector<SimStage> stages, const HostProfile& host,
                            int queue_capacity) {
  SimConfig config;
  config.num_resources = 2;  // kHostWorkResource, kHostLinkResource
  config.queue_capacity = queue_capacity;
  config.per_hop_ns = std::llround(host.per_hop_ns);
  config.startup_ns = std::llround(host.startup_ns);
  config.stages = std::move(stages);
  return config;
}

SimConfig EdgeTpuSimConfig(std::span<const SegmentTiming> stage_timings, const HostProfile& host,
                           int queue_capacity) {
  std::vector<SimStage> stages;
  for (const SegmentTiming& timing : stage_timings)
    stages.push_back(EdgeTpuSimStage(timing, /*cpu_ops_ns=*/0, host, /*shared_host_link=*/false));
  return PipelineSimConfig(std::move(stages), host, queue_capacity);
}

}  // namespace segpipe
