// `coral`: the profiling partitioner Google ships with the Edge TPU tools
// (partition_with_profiling), written from its published description:
//  1. Initial bounds on the target stage latency from the compiler's default split: lower = its
//     fastest segment, upper = its slowest segment (the default split itself meets `upper`).
//  2. Bisection: target = (lower + upper) / 2; build a split greedily for that target; if every
//     segment meets the target, upper = target (and keep the split), else lower = target. Stop
//     when upper - lower < diff_threshold.
//  3. Greedy build: each segment but the last starts with one layer and grows by `step` layers
//     while the grown segment still meets the target (and enough layers remain for the rest);
//     the last segment takes what is left.
//
// Where it can miss the optimum (the `optimal` strategy does not):
//  - Growth stops at the first segment that exceeds the target, which assumes a segment's cost
//    never falls when it grows. Transfer costs break that: ending a segment one layer later, at
//    a small activation, can make it cheaper; the greedy never looks past the first miss.
//  - With step > 1 it only tries every step-th cut point.
//  - The initial lower bound (the default split's fastest segment) is not a true lower bound: when
//    the optimum's bottleneck is below it, bisection never searches there.
//  - It stops within diff_threshold of the best target it can reach, and balances only the
//    bottleneck: among splits with equal bottleneck it does not prefer the smaller sum that
//    matters for batch fill (batch:B) or latency.
#ifndef SEGPIPE_PARTITION_INTERNAL_CORAL_H_
#define SEGPIPE_PARTITION_INTERNAL_CORAL_H_

#include <span>

#include "segpipe/partition/internal/split.h"

namespace segpipe {

struct CoralOptions {
  double diff_threshold_ms = 0.001;  // stop bisecting when upper - lower is below this
  int step = 1;                      // layers added per growth step
};

// `initial_last_unit` is the default split (the compiler's parameter-balanced one). Returns the
// best split found; `iterations` (optional) receives the number of bisection rounds.
StatusOr<UnitSplit> CoralSplit(int num_units, int num_stages, const Objective& objective,
                               const SegmentCostFn& cost, std::span<const int> initial_last_unit,
                               const CoralOptions& options, int* iterations = nullptr);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_CORAL_H_
