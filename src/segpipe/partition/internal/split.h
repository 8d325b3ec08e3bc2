// The search space every partitioner works in: `n` units (cut candidates, see partition.h) split
// into `s` consecutive non-empty runs, stage k running on its own device. A SegmentCostFn gives
// the time of units [first, last] as stage k; strategies only see this function, so the same
// code serves the analytic Edge TPU model, the simulator and real measurements.
#ifndef SEGPIPE_PARTITION_INTERNAL_SPLIT_H_
#define SEGPIPE_PARTITION_INTERNAL_SPLIT_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/partition/internal/objective.h"

namespace segpipe {

// Time in ms of units [first_unit, last_unit] run as stage `stage`. May fail (a device that
// cannot run an op); the strategies pass the failure on.
using SegmentCostFn = std::function<StatusOr<double>(int first_unit, int last_unit, int stage)>;

struct UnitSplit {
  std::vector<int> last_unit;    // last unit of each stage, ascending; back() == n - 1
  std::vector<double> stage_ms;  // cost of each stage
  double objective_value = 0;    // ObjectiveValue(objective, stage_ms)
};

// Number of ways to split n units into s non-empty runs, C(n-1, s-1); saturates at INT64_MAX.
int64_t CountSplits(int num_units, int num_stages);

// Calls `visit` with the last units of every split, in lexicographic order; stops early when
// `visit` returns false.
void ForEachSplit(int num_units, int num_stages,
                  const std::function<bool(std::span<const int>)>& visit);

// Evaluates one split (the stage costs and objective value).
StatusOr<UnitSplit> EvaluateSplit(std::span<const int> last_unit, const Objective& objective,
                                  const SegmentCostFn& cost);

// Tries every split and keeps the one with the smallest objective (the first among equals).
// The reference the optimal search is tested against; O(C(n-1, s-1)) evaluations.
StatusOr<UnitSplit> BruteForceSplit(int num_units, int num_stages, const Objective& objective,
                                    const SegmentCostFn& cost);

// Checks 1 <= num_stages <= num_units with a message naming both.
Status CheckSplitShape(int num_units, int num_stages);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_SPLIT_H_
