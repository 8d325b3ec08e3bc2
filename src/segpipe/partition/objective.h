// What a partition is optimised for, and how per-stage times combine into one number.
//
// A pipeline of stages with times t_1..t_s processes a batch of B inputs in
// sum(t) + (B - 1) * max(t) (fill, then one result per bottleneck period). So:
//   throughput: minimise max(t)           (steady-state period, B -> infinity)
//   latency:    minimise sum(t)           (one input, B = 1)
//   batch:B:    minimise sum(t) + (B-1)*max(t), reported per inference (divided by B),
//               which is how the paper timed its pipelines (B = 50).
#ifndef SEGPIPE_PARTITION_OBJECTIVE_H_
#define SEGPIPE_PARTITION_OBJECTIVE_H_

#include <span>
#include <string>
#include <string_view>

#include "segpipe/core/status.h"

namespace segpipe {

struct Objective {
  enum class Kind { kThroughput, kLatency, kBatch };
  Kind kind = Kind::kThroughput;
  int batch_size = 1;  // kBatch only
  // Host work per stage and inference that all stages do under one lock (the paper's Python
  // runtime): the period is then at least (number of stages) x this. Set by the planner from
  // the profiler's host profile; 0 when stages overlap their host work.
  double serialized_host_ms_per_stage = 0;

  static Objective Throughput() { return {Kind::kThroughput, 1}; }
  static Objective Latency() { return {Kind::kLatency, 1}; }
  static Objective Batch(int b) { return {Kind::kBatch, b}; }
  bool operator==(const Objective&) const = default;
};

// "throughput", "latency", "batch:50".
StatusOr<Objective> ParseObjective(std::string_view text);
std::string ObjectiveName(const Objective& objective);

// The quantity minimised: max, sum, or sum + (B-1)*max of the stage times, where max is at
// least stage count x serialized_host_ms_per_stage.
double ObjectiveValue(const Objective& objective, std::span<const double> stage_ms);

// The objective expressed as time per inference: the period for throughput, the sum for
// latency, the batch time divided by B for batch:B.
double TimePerInferenceMs(const Objective& objective, std::span<const double> stage_ms);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_OBJECTIVE_H_
