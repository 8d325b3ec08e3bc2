// Discrete-event simulation of the pipeline in virtual time.
#include "segpipe/pipeline/sim/simulator.h"

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
  bool operator>(const Event& o) const {
    return time_ns != o.time_ns ? time_ns > o.time_ns : order > o.order;
  }
};

// A FIFO of (input id, time it becomes visible) in a fixed ring: the frames queued on one edge.
struct EdgeState {
  int free_frames = 0;
  std::vector<std::pair<int64_t, int64_t>> ring;
  size_t head = 0, size = 0;
  void Push(int64_t id, int64_t ready_ns) {
    ring[(head + size++) % ring.size()] = {id, ready_ns};
  }
  const std::pair<int64_t, int64_t>& Front() const { return ring[head]; }
  void PopFront() {
    head = (head + 1) % ring.size();
    --size;
  }
};

struct StageState {
  bool busy = false;
  int phase = 0;
  int64_t item = -1;
  int64_t busy_ns = 0;
  int64_t next_wake_ns = -1;  // a wake-up already scheduled at this time (avoids duplicates)
};

struct ResourceState {
  bool busy = false;
  std::vector<int> waiters;  // FIFO of stages, ring
  size_t head = 0, size = 0;
};

class Simulation {
 public:
  Simulation(const SimConfig& config, int64_t inputs, bool batch)
      : c_(config), n_(inputs), batch_(batch), stages_(config.stages.size()),
        resources_(static_cast<size_t>(config.num_resources)) {
    const size_t s = c_.stages.size();
    for (size_t e = 0; e <= s; ++e) {
      int capacity = c_.queue_capacity;
      if (e == 0 && c_.input_capacity > 0) capacity = c_.input_capacity;
      if (e == s && c_.output_capacity > 0) capacity = c_.output_capacity;
      if (e == 0 && batch_) capacity = static_cast<int>(std::max<int64_t>(capacity, n_));
      EdgeState edge;
      edge.free_frames = capacity + 2;
      edge.ring.resize(static_cast<size_t>(capacity) + 2);
      edges_.push_back(std::move(edge));
    }
    for (ResourceState& r : resources_) r.waiters.resize(s + 1);
    accept_ns_.resize(static_cast<size_t>(n_));
    latency_ns_.reserve(static_cast<size_t>(n_));
    std::vector<Event> storage;
    storage.reserve(4 * s + 16);
    events_ = decltype(events_)(std::greater<Event>(), std::move(storage));
  }

  SimResult Run() {
    start_ns_ = batch_ ? c_.startup_ns : 0;
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
          PhaseEnd(ev.stage, ev.time_ns);
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
    for (const StageState& st : stages_)
      r.stage_utilisation.push_back(r.total_ns > 0 ? double(st.busy_ns) / double(r.total_ns) : 0);
    if (!latency_ns_.empty()) {
      auto at = [&](double p) {
        auto it = latency_ns_.begin() +
                  static_cast<ptrdiff_t>(p * double(latency_ns_.size() - 1) + 0.5);
        std::nth_element(latency_ns_.begin(), it, latency_ns_.end());
        return *it;
      };
      r.latency_p50_ns = at(0.5);
      r.latency_p99_ns = at(0.99);
      r.latency_max_ns = *std::max_element(latency_ns_.begin(), latency_ns_.end());
    }
    return r;
  }

 private:
  void Schedule(int64_t t, EventKind kind, int stage) {
    events_.push(Event{t, order_++, kind, stage});
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
      accept_ns_[static_cast<size_t>(fed_)] = t;
      // Batch inputs are queued before the threads start: no hand-off wake-up to pay.
      in.Push(fed_, batch_ ? t : t + c_.per_hop_ns);
      ++fed_;
    }
  }

  void TryStart(int s, int64_t t) {
    const size_t si = static_cast<size_t>(s);
    StageState& st = stages_[si];
    if (st.busy || t < start_ns_) return;
    EdgeState& in = edges_[si];
    EdgeState& out = edges_[si + 1];
    if (in.size == 0 || out.free_frames == 0) return;  // a later event wakes us
    if (in.Front().second > t) {
      WakeStage(s, in.Front().second);
      return;
    }
    st.item = in.Front().first;
    in.PopFront();
    --out.free_frames;
    st.busy = true;
    st.phase = 0;
    BeginPhase(s, t);
  }

  void BeginPhase(int s, int64_t t) {
    const SimPhase& p = c_.stages[static_cast<size_t>(s)].phases[static_cast<size_t>(
        stages_[static_cast<size_t>(s)].phase)];
    if (p.resource >= 0) {
      ResourceState& r = resources_[static_cast<size_t>(p.resource)];
      if (r.busy) {
        r.waiters[(r.head + r.size++) % r.waiters.size()] = s;
        return;
      }
      r.busy = true;
    }
    stages_[static_cast<size_t>(s)].busy_ns += p.duration_ns;
    Schedule(t + p.duration_ns, EventKind::kPhaseEnd, s);
  }

  void PhaseEnd(int s, int64_t t) {
    const size_t si = static_cast<size_t>(s);
    StageState& st = stages_[si];
    const SimPhase& p = c_.stages[si].phases[static_cast<size_t>(st.phase)];
    if (p.resource >= 0) {
      ResourceState& r = resources_[static_cast<size_t>(p.resource)];
      if (r.size > 0) {  // hand the resource straight to the first waiter
        const int w = r.waiters[r.head];
        r.head = (r.head + 1) % r.waiters.size();
        --r.size;
        const SimPhase& wp = c_.stages[static_cast<size_t>(w)]
                                 .phases[static_cast<size_t>(stages_[static_cast<size_t>(w)].phase)];
        stages_[static_cast<size_t>(w)].busy_ns += wp.duration_ns;
        Schedule(t + wp.duration_ns, EventKind::kPhaseEnd, w);
      } else {
        r.busy = false;
      }
    }
    if (++st.phase < static_cast<int>(c_.stages[si].phases.size())) {
      BeginPhase(s, t);
      return;
    }
    // Done: free the input frame, queue the output, take the next input. The stage's own
    // thread goes on at once while its producer has to be woken up, so on a tie for a shared
    // resource this stage is first, as in the threaded runtime.
    st.busy = false;
    ++edges_[si].free_frames;
    const int64_t ready = t + c_.per_hop_ns;
    edges_[si + 1].Push(st.item, ready);
    if (si + 1 == stages_.size()) {
      Schedule(ready, EventKind::kConsumerWake, -1);
    } else {
      WakeStage(s + 1, ready);
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
    while (out.size > 0 && out.Front().second <= t) {
      const int64_t id = out.Front().first;
      out.PopFront();
      ++out.free_frames;
      latency_ns_.push_back(t - accept_ns_[static_cast<size_t>(id)]);
      last_done_ns_ = t;
    }
    TryStart(static_cast<int>(stages_.size()) - 1, t);
  }

  const SimConfig& c_;
  const int64_t n_;
  const bool batch_;
  int64_t start_ns_ = 0;
  int64_t fed_ = 0;
  int64_t order_ = 0;
  int64_t last_done_ns_ = 0;
  std::vector<EdgeState> edges_;
  std::vector<StageState> stages_;
  std::vector<ResourceState> resources_;
  std::vector<int64_t> accept_ns_;
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

StatusOr<SimResult> SimulateBatch(const SimConfig& config, int64_t batch) {
  SEGPIPE_RETURN_IF_ERROR(Validate(config, batch));
  return Simulation(config, batch, /*batch=*/true).Run();
}

StatusOr<SimResult> SimulateStream(const SimConfig& config, int64_t inputs) {
  SEGPIPE_RETURN_IF_ERROR(Validate(config, inputs));
  return Simulation(config, inputs, /*batch=*/false).Run();
}

SimConfig EdgeTpuSimConfig(std::span<const SegmentTiming> stage_timings, const HostProfile& host,
                           int queue_capacity) {
  SimConfig config;
  config.num_resources = 1;
  config.queue_capacity = queue_capacity;
  config.per_hop_ns = std::llround(host.per_hop_ns);
  config.startup_ns = std::llround(host.startup_ns);
  for (const SegmentTiming& timing : stage_timings) {
    SimStage stage;
    if (host.per_stage_host_ns > 0)
      stage.phases.push_back(SimPhase{std::llround(host.per_stage_host_ns),
                                      host.host_serialized ? kHostWorkResource : -1});
    stage.phases.push_back(SimPhase{std::llround(timing.total_ns()), -1});
    config.stages.push_back(std::move(stage));
  }
  return config;
}

}  // namespace segpipe
