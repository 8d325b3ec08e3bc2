// What a partition is optimised for, and how per-stage times combine into one number.
//
// A pipeline of stages with times t_1..t_s processes a batch of B inputs in
// latency + (B - 1) * period (EstimatePipelineTime, device/pipeline_time.h: latency = fixed +
// sum(t), period = max(t / replicas), at least the serialized host floor). So:
//   throughput: minimise the period       (steady state, B -> infinity)
//   latency:    minimise the latency      (one input through the empty pipeline, B = 1)
//   batch:B:    minimise latency + (B-1) * period, reported per inference (divided by B),
//               which is how the paper timed its pipelines (B = 50).
#ifndef SEGPIPE_PARTITION_INTERNAL_OBJECTIVE_H_
#define SEGPIPE_PARTITION_INTERNAL_OBJECTIVE_H_

#include <span>
#include <string>
#include <string_view>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/pipeline_time.h"

namespace segpipe {

struct Objective {
  enum class Kind { kThroughput, kLatency, kBatch };
  Kind kind = Kind::kThroughput;
  int batch_size = 1;  // kBatch only
  // Host work per stage and inference that all stages do under one lock (the paper's Python
  // runtime): the period is then at least (number of stages) x this. Set by the planner from
  // the profiler's host profile; 0 when stages overlap their host work.
  double serialized_host_ms_per_stage = 0;
  // Once per batch (thread start, the hand-off into the first stage), likewise from the host
  // profile; a constant, so it never changes which split wins.
  double fixed_ms = 0;

  static Objective Throughput() { return {Kind::kThroughput, 1}; }
  static Objective Latency() { return {Kind::kLatency, 1}; }
  static Objective Batch(int b) { return {Kind::kBatch, b}; }
  bool operator==(const Objective&) const = default;
};

// "throughput", "latency", "batch:50".
StatusOr<Objective> ParseObjective(std::string_view text);
std::string ObjectiveName(const Objective& objective);

// Latency and period of stages with these times (one device each, or replicas[k] devices for
// stage k when given), under the objective's host floor and fixed cost.
PipelineTime ObjectivePipelineTime(const Objective& objective, std::span<const double> stage_ms,
                                   std::span<const int> replicas = {});

// The quantity minimised: the period, the latency, or the batch wall time.
double ObjectiveValue(const Objective& objective, std::span<const double> stage_ms,
                      std::span<const int> replicas = {});

// The objective expressed per inference: the period for throughput, the latency of one input
// for latency, the batch time divided by B for batch:B.
double TimePerInferenceMs(const Objective& objective, std::span<const double> stage_ms,
                          std::span<const int> replicas = {});

// The same two from a pipeline's latency and period, for times that are more than stage times
// (the planner adds the links between stage hosts).
double ObjectiveValueOf(const Objective& objective, const PipelineTime& time);
double TimePerInferenceOf(const Objective& objective, const PipelineTime& time);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_OBJECTIVE_H_
