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
//
// Devices on stage hosts (StageDevice::host) put links between stages: stage k's endpoint is its
// host, or kCoordinator for a device of this process, and frames cross coordinator -> stage 1,
// each cut between stages on different endpoints, and last stage -> coordinator
// (network_model.h). The search folds each stage's links into its cost, so a slow link keeps a
// big activation on one host: throughput and batch:B cost a stage max(stage time, wire time of
// its links), since a link's wire time bounds the period; latency costs it stage time + transfer
// time. Stage 1 pays the link into it and every stage the link out of it. Links between devices
// of one endpoint are free, so an all-local device list plans exactly as without a network.
// exhaustive ranks splits by the profiler's pipeline time, which knows no network, so its choice
// ignores the links; every plan reports them (Plan::links) and counts them in its times.
#ifndef SEGPIPE_PARTITION_INTERNAL_PLANNER_H_
#define SEGPIPE_PARTITION_INTERNAL_PLANNER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/device/internal/network_model.h"
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
  // auto: may replicate stages or the whole model. Never across stage hosts: the replicas of a
  // stage would sit behind different links, which the search does not model, so auto does not
  // replicate when any device has a host (Plan::replication_off_for_hosts).
  bool allow_replication = true;
  // Edge TPU devices only: refuse every segment that streams weights from host memory (the
  // paper's advice: the fewest TPUs that keep every weight on chip). optimal and auto search
  // only such splits; the other strategies fail when theirs streams.
  bool on_chip_only = false;
  double auto_tolerance = 0.01;           // auto: fewer devices win within this fraction
  // The links between stage hosts and the coordinator; used only when some device has a host.
  NetworkModel network;
};

// One link a plan's frames cross between two different endpoints (see the top of this file).
struct PlanLink {
  std::string from, to;     // endpoints: "HOST:PORT" or kCoordinator
  int after_stage = 0;      // 0: into stage 1 (the model's inputs); k: out of stage k (from 1)
  int64_t bytes = 0;        // one frame: the tensors live at the cut
  double wire_ms = 0;       // bytes / bandwidth: the period is at least this
  double transfer_ms = 0;   // latency + wire: what one input's latency pays
  std::string source;       // where the link's figures come from (LinkModel::source)
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
  // Bottleneck: max(stage_ms / replicas), the host floor and every link's wire time.
  double period_ms = 0;
  double latency_ms = 0;                  // one input through the empty pipeline, links included
  double pipeline_time_ms = -1;           // exhaustive: its measured pipeline time per inference
  int64_t profiles_taken = 0;             // segment profiles this plan took (cache misses)
  int64_t pipeline_runs = 0;              // whole-pipeline runs (exhaustive)
  int64_t exhaustive_count = 0;           // C(l-1, s-1) for the plan's layer and device count
  int num_layers = 0;
  std::vector<AutoOption> auto_options;   // auto only
  // Every link between two different endpoints, in frame order; empty when no device has a host.
  std::vector<PlanLink> links;
  bool replication_off_for_hosts = false; // auto: replication was allowed but devices have hosts
};

StatusOr<Plan> MakePlan(const Model& model, SegmentProfiler& profiler, const PlanOptions& options);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_PLANNER_H_
