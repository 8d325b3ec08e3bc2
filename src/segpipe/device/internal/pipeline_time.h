// The analytic time of a pipeline: one input's latency and the steady-state period between
// results, and from them the wall time of a batch. The one formula behind the planner's
// objectives, the profilers' pipeline estimates, the calibration and the reports; the
// discrete-event simulator (pipeline/sim) checks it (simulator_test).
//
//   std::vector<PipelineStageTime> stages = {{.time = 1.2}, {.time = 0.9, .replicas = 2}};
//   PipelineTime t = EstimatePipelineTime(stages, {.serialized_per_stage = 0.23});
//   double batch_ms = t.BatchWall(50);
//
// Times are in any one unit (the planner uses ms, the host profiles ns). A stage's time is one
// invocation on one device with everything it does per input: host work, device time and the
// hand-off to the next stage (StageTimeNs). Pure functions; thread-safe.
#ifndef SEGPIPE_DEVICE_INTERNAL_PIPELINE_TIME_H_
#define SEGPIPE_DEVICE_INTERNAL_PIPELINE_TIME_H_

#include <cstdint>
#include <span>

#include "segpipe/device/internal/edgetpu_model.h"

namespace segpipe {

struct PipelineStageTime {
  double time = 0;   // one input through this stage on one device
  int replicas = 1;  // devices serving the stage, each taking the next free input
  double link = 0;   // part of `time` on a host link shared by every stage (0: not shared)
};

// What the host adds once per pipeline rather than per stage.
struct PipelineOverheads {
  // Host work every stage does per input under one lock (the paper's interpreter lock): a
  // pipeline of S stages delivers at most one result per S x this.
  double serialized_per_stage = 0;
  // Once per batch: thread start, and the hand-off of an input into the first stage.
  double fixed = 0;
};

struct PipelineTime {
  // One input through the empty pipeline, from when it entered to its result: fixed + sum.
  double latency = 0;
  // Between results in the steady state: the slowest stage (time / replicas), at least the
  // serialized host work of all stages and the shared link's time of all stages.
  double period = 0;
  // `batch` inputs queued at once: the first takes `latency`, each further one a period.
  double BatchWall(int64_t batch) const {
    return batch < 1 ? 0 : latency + static_cast<double>(batch - 1) * period;
  }
};

PipelineTime EstimatePipelineTime(std::span<const PipelineStageTime> stages,
                                  const PipelineOverheads& overheads);

// A modelled Edge TPU stage's time under `host`: device time (the Edge TPU's service time plus
// the host CPU time of the ops the segment leaves on the CPU, SegmentPlacement::cpu_ops_ns), the
// host's work per stage and the hand-off out of the stage.
double StageTimeNs(double device_ns, const HostProfile& host);
// The host profile's once-per-pipeline costs, in ns.
PipelineOverheads HostOverheadsNs(const HostProfile& host);

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_PIPELINE_TIME_H_
