// A pipeline's timeline as Chrome Trace Event JSON (opens in Perfetto and chrome://tracing):
// one track per stage device with its invocations, waits for input and blocks on output, and
// flow arrows for the hop of each input from one stage to the next. The threaded runtime and the
// simulator record into the same buffer type, so their traces can be laid side by side.
//
//   PipelineTrace trace(PipelineTrace::EventsFor(batch, stages));
//   ... options.trace = &trace (Pipeline), or SimulateBatch(config, batch, &trace) ...
//   std::string json = trace.ToChromeJson({"stage 1", "stage 2"}, {1, 1});
//
// Recording never allocates: the buffer is sized once, events past it are counted as dropped
// (and said so in the JSON metadata). Record is thread-safe (one atomic slot claim per event);
// ToChromeJson once recording is over.
#ifndef SEGPIPE_PIPELINE_INTERNAL_TRACE_H_
#define SEGPIPE_PIPELINE_INTERNAL_TRACE_H_

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "segpipe/pipeline/sim/internal/simulator.h"

namespace segpipe {

enum class TraceKind : uint8_t { kInvoke, kWaitInput, kBlockedOutput };

struct TraceEvent {
  int64_t start_ns = 0, end_ns = 0;
  int64_t input = -1;  // sequence number of the input (-1 for waits)
  int32_t stage = 0, replica = 0;
  TraceKind kind = TraceKind::kInvoke;
};

class PipelineTrace : public SimTrace {
 public:
  // A buffer for every event of `inputs` inputs through `stages` stages (up to four per
  // invocation: the invocation, a wait for input and two blocks on output),
  // capped at 4M events (~160 MiB).
  static size_t EventsFor(int64_t inputs, int stages);
  explicit PipelineTrace(size_t max_events);

  void Record(const TraceEvent& event);
  int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  size_t size() const;

  // Times relative to the earliest event. `stage_names[s]` names stage s; `replicas[s]` tracks
  // (one per device) are emitted for it.
  std::string ToChromeJson(std::span<const std::string> stage_names,
                           std::span<const int> replicas) const;

  // SimTrace: the simulator's invocations and the waits between them.
  void OnStart(int stage, int replica, int64_t input, int64_t time_ns) override;
  void OnEnd(int stage, int replica, int64_t input, int64_t time_ns) override;
  void OnWait(int stage, int replica, bool blocked_output, int64_t start_ns,
              int64_t end_ns) override;

 private:
  std::vector<TraceEvent> events_;
  std::atomic<size_t> next_{0};
  std::atomic<int64_t> dropped_{0};
  // Simulator only (single-threaded): start of the invocation each (stage, replica) is in.
  std::vector<int64_t> sim_start_ns_;
};

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_INTERNAL_TRACE_H_
