// Splits that may replicate stages, for `auto`: with identical devices, a stage replicated on r
// devices takes alternate inputs and so contributes stage_ms / r to the pipeline period.
// Replicating the whole model on r devices (data parallelism, which the paper suggests for CONV)
// is the one-stage case.
#ifndef SEGPIPE_PARTITION_INTERNAL_REPLICATE_H_
#define SEGPIPE_PARTITION_INTERNAL_REPLICATE_H_

#include <functional>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe {

// Time in ms of units [first_unit, last_unit] as one stage on one device.
using UniformCostFn = std::function<StatusOr<double>(int first_unit, int last_unit)>;

struct ReplicatedSplit {
  std::vector<int> last_unit;    // per stage
  std::vector<int> replicas;     // per stage, >= 1
  std::vector<double> stage_ms;  // per stage, one device's time
  double period_ms = 0;          // max(stage_ms / replicas, stages x serialized host work)
  int devices_used = 0;          // sum(replicas)
};

// best[d - 1] = the split with the smallest period using exactly d devices (d = 1..max_devices),
// any number of stages, any replication; exact over all such layouts (dynamic programming over
// (devices used, last unit), O(max_devices^2 * n^2) steps, n(n+1)/2 segment costs). With
// serialized host work h > 0 (Objective::serialized_host_ms_per_stage) a layout of S stages has
// a period of at least S x h; the search then also tracks the stage count (x max_devices steps).
StatusOr<std::vector<ReplicatedSplit>> BestReplicatedSplits(int num_units, int max_devices,
                                                            const UniformCostFn& cost,
                                                            double serialized_host_ms_per_stage = 0);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_REPLICATE_H_
