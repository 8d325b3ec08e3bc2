// `optimal`: the exact best split of n units into s stages for any segment cost function.
//
// Each candidate segment (first, last, stage) is costed once, O(s * n^2) calls, instead of
// running each of the C(n-1, s-1) partitions. Exact for arbitrary costs (spill jumps, transfer
// costs that rise and fall with the cut): nothing assumes costs grow with segment length.
//   throughput: DP over (stage, last unit) of the smallest bottleneck, then, among splits with
//               that bottleneck, the smallest sum (so batch fill time breaks ties).
//   latency:    DP of the smallest sum.
//   batch:B:    sum + (B-1)*max mixes both, so no single DP is exact. For each threshold T
//               (every distinct segment cost >= the optimal bottleneck, ascending) a DP finds the
//               smallest sum using only segments costing <= T; the optimum is the best
//               sum_T + (B-1)*max over T. The optimal split's bottleneck is one such T, so it is
//               found. Stops once S* + (B-1)*T (S* = unconstrained smallest sum) cannot beat the
//               best so far.
#ifndef SEGPIPE_PARTITION_INTERNAL_OPTIMAL_H_
#define SEGPIPE_PARTITION_INTERNAL_OPTIMAL_H_

#include "segpipe/partition/internal/split.h"

namespace segpipe {

StatusOr<UnitSplit> OptimalSplit(int num_units, int num_stages, const Objective& objective,
                                 const SegmentCostFn& cost);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_OPTIMAL_H_
