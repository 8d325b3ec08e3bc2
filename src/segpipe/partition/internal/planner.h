// The entry point of the partition layer: choose a split of a model over a list of devices with
// one of the strategies, and describe it (per-segment memory and time, objective value, how many
// profiles it took).
//
//   ModelProfiler profiler(model);
//   PlanOptions options{.strategy = Strategy::kOptimal, .devices = *ParseStageDevices("edgetpu:3")};
//   SEGPIPE_ASSIGN_OR_RETURN(Plan plan, MakePlan(model, profiler, options));
//   // FormatLayers(plan.partition, CutCandidates(model)) == "[1,2][3][4,5]" for the paper's FC
//
// Strategies: uniform (the paper's layer-count split), params (the Edge TPU compiler's default),
// exhaustive (the paper's method), coral (Google's partition_with_profiling), optimal (exact DP),
// auto (optimal over 1..D devices, with replication; see AutoOption). Pure functions apart from
// the profiler they drive.
#ifndef SEGPIPE_PARTITION_INTERNAL_PLANNER_H_
#define SEGPIPE_PARTITION_INTERNAL_PLANNER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/partition/internal/coral.h"
#include "segpipe/partition/internal/objective.h"
#include "segpipe/partition/internal/partition.h"
#include "segpipe/partition/internal/segment_profiler.h"

namespace segpipe {

enum class Strategy { kUniform, kParams, kExhaustive, kCoral, kOptimal, kAuto };

StatusOr<Strategy> ParseStrategy(std::string_view text);
std::string_view StrategyName(Strategy strategy);
// Every strategy, in the order --compare shows them.
std::vector<Strategy> AllStrategies();

struct PlanOptions {
  Strategy strategy = Strategy::kOptimal;
  Objective objective = Objective::Throughput();
  std::vector<StageDevice> devices;       // stage k runs on devices[k]
  int exhaustive_batch = 50;              // batch each exhaustive candidate is timed on
  int64_t max_exhaustive_partitions = 100000;
  CoralOptions coral;
  bool allow_replication = true;          // auto: may replicate stages or the whole model
  // Edge TPU devices only: refuse every segment that streams weights from host memory (the
  // paper's advice: the fewest TPUs that keep every weight on chip). optimal and auto search
  // only such splits; the other strategies fail when theirs streams.
  bool on_chip_only = false;
  double auto_tolerance = 0.01;           // auto: fewer devices win within this fraction
};

// One row of auto's table: the best layout found with `devices_used` devices.
struct AutoOption {
  int devices_used = 0;
  bool replicated = false;           // some stage runs on several devices
  Partition partition;
  std::string layout;                // FormatLayers, e.g. "[1,2][3][4,5]" or "[1-5]x4"
  double time_per_inference_ms = 0;  // under the plan's objective
  double throughput_per_s = 0;       // 1000 / period
  double efficiency = 0;             // throughput / (devices_used * one-device throughput)
  bool chosen = false;
};

struct Plan {
  Strategy strategy = Strategy::kOptimal;
  Objective objective;
  std::string profile;                    // the profiler's name
  Partition partition;
  std::vector<SegmentProfile> segments;   // per segment (one device's time)
  double objective_value = 0;             // ObjectiveValue on the stage times (replicas counted)
  double time_per_inference_ms = 0;       // TimePerInferenceMs likewise
  double period_ms = 0;                   // bottleneck: max(stage_ms / replicas), host floor
  double latency_ms = 0;                  // one input through the empty pipeline
  double pipeline_time_ms = -1;           // exhaustive: its measured pipeline time per inference
  int64_t profiles_taken = 0;             // segment profiles this plan took (cache misses)
  int64_t pipeline_runs = 0;              // whole-pipeline runs (exhaustive)
  int64_t exhaustive_count = 0;           // C(l-1, s-1) for the plan's layer and device count
  int num_layers = 0;
  std::vector<AutoOption> auto_options;   // auto only
};

StatusOr<Plan> MakePlan(const Model& model, SegmentProfiler& profiler, const PlanOptions& options);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_PLANNER_H_
