// Recording and Chrome Trace Event JSON of a pipeline timeline; see trace.h.
#include "segpipe/pipeline/internal/trace.h"

#include <algorithm>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

namespace segpipe {
namespace {

constexpr size_t kMaxEvents = size_t{1} << 22;
constexpr int kMaxReplicasPerStage = 64;  // as the simulator's limit

int TrackId(int stage, int replica) { return stage * kMaxReplicasPerStage + replica + 1; }

const char* KindName(TraceKind kind) {
  switch (kind) {
    case TraceKind::kInvoke:
      return "invoke";
    case TraceKind::kWaitInput:
      return "wait for input";
    case TraceKind::kBlockedOutput:
      return "blocked on output";
  }
  return "?";
}

}  // namespace

size_t PipelineTrace::EventsFor(int64_t inputs, int stages) {
  const double want =
      4.0 * static_cast<double>(std::max<int64_t>(inputs, 1)) * std::max(stages, 1) + 16;
  return want > static_cast<double>(kMaxEvents) ? kMaxEvents : static_cast<size_t>(want);
}

PipelineTrace::PipelineTrace(size_t max_events) : events_(std::max<size_t>(max_events, 1)) {}

void PipelineTrace::Record(const TraceEvent& event) {
  const size_t slot = next_.fetch_add(1, std::memory_order_relaxed);
  if (slot >= events_.size()) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  events_[slot] = event;
}

size_t PipelineTrace::size() const {
  return std::min(next_.load(std::memory_order_acquire), events_.size());
}

void PipelineTrace::OnStart(int stage, int replica, int64_t /*input*/, int64_t time_ns) {
  const size_t key = static_cast<size_t>(TrackId(stage, replica));
  if (sim_start_ns_.size() <= key) sim_start_ns_.resize(key + 1, 0);
  sim_start_ns_[key] = time_ns;
}

void PipelineTrace::OnEnd(int stage, int replica, int64_t input, int64_t time_ns) {
  const size_t key = static_cast<size_t>(TrackId(stage, replica));
  Record(TraceEvent{key < sim_start_ns_.size() ? sim_start_ns_[key] : time_ns, time_ns, input,
                    stage, replica, TraceKind::kInvoke});
}

void PipelineTrace::OnWait(int stage, int replica, bool blocked_output, int64_t start_ns,
                           int64_t end_ns) {
  if (end_ns <= start_ns) return;
  Record(TraceEvent{start_ns, end_ns, -1, stage, replica,
                    blocked_output ? TraceKind::kBlockedOutput : TraceKind::kWaitInput});
}

std::string PipelineTrace::ToChromeJson(std::span<const std::string> stage_names,
                                        std::span<const int> replicas) const {
  const size_t n = size();
  int64_t origin = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < n; ++i) origin = std::min(origin, events_[i].start_ns);
  if (n == 0) origin = 0;
  auto us = [&](int64_t ns) { return static_cast<double>(ns - origin) / 1e3; };
  nlohmann::json trace_events = nlohmann::json::array();
  trace_events.push_back({{"ph", "M"},
                          {"pid", 1},
                          {"name", "process_name"},
                          {"args", {{"name", "segpipe pipeline"}}}});
  for (size_t s = 0; s < stage_names.size(); ++s) {
    const int count = s < replicas.size() ? replicas[s] : 1;
    for (int r = 0; r < count; ++r) {
      const int tid = TrackId(static_cast<int>(s), r);
      const std::string name =
          count == 1 ? stage_names[s] : stage_names[s] + " replica " + std::to_string(r + 1);
      trace_events.push_back({{"ph", "M"},
                              {"pid", 1},
                              {"tid", tid},
                              {"name", "thread_name"},
                              {"args", {{"name", name}}}});
      trace_events.push_back({{"ph", "M"},
                              {"pid", 1},
                              {"tid", tid},
                              {"name", "thread_sort_index"},
                              {"args", {{"sort_index", tid}}}});
    }
  }
  // Invocations by (input, stage), for the hop arrows from one stage to the next.
  std::map<std::pair<int64_t, int>, const TraceEvent*> invocations;
  for (size_t i = 0; i < n; ++i) {
    const TraceEvent& e = events_[i];
    nlohmann::json ev = {{"ph", "X"},
                         {"pid", 1},
                         {"tid", TrackId(e.stage, e.replica)},
                         {"name", KindName(e.kind)},
                         {"cat", e.kind == TraceKind::kInvoke ? "invoke" : "wait"},
                         {"ts", us(e.start_ns)},
                         {"dur", static_cast<double>(e.end_ns - e.start_ns) / 1e3}};
    if (e.kind == TraceKind::kInvoke) {
      ev["name"] = "input " + std::to_string(e.input);
      ev["args"] = {{"input", e.input}};
      invocations[{e.input, e.stage}] = &e;
    }
    trace_events.push_back(std::move(ev));
  }
  int64_t flow_id = 0;
  for (const auto& [key, from] : invocations) {
    auto to = invocations.find({key.first, key.second + 1});
    if (to == invocations.end()) continue;
    ++flow_id;
    trace_events.push_back({{"ph", "s"},
                            {"pid", 1},
                            {"tid", TrackId(from->stage, from->replica)},
                            {"name", "hop"},
                            {"cat", "hop"},
                            {"id", flow_id},
                            {"ts", us(from->end_ns) - 1e-3}});
    trace_events.push_back({{"ph", "f"},
                            {"bp", "e"},
                            {"pid", 1},
                            {"tid", TrackId(to->second->stage, to->second->replica)},
                            {"name", "hop"},
                            {"cat", "hop"},
                            {"id", flow_id},
                            {"ts", us(to->second->start_ns)}});
  }
  nlohmann::json j = {{"traceEvents", std::move(trace_events)},
                      {"displayTimeUnit", "ms"},
                      {"otherData", {{"dropped_events", dropped()}}}};
  return j.dump();
}

}  // namespace segpipe
