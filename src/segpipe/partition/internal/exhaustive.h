// `exhaustive`: the paper's profiling method. Every one of the C(l-1, s-1) splits is run as a
// whole pipeline on a batch (default 50) and the fastest kept. Exact for what it measures, but
// the count explodes (C(499, 7) ~ 1.5e15 for 500 layers on 8 devices), so it refuses above a
// limit and points to `optimal`, which needs only O(s * l^2) segment profiles.
#ifndef SEGPIPE_PARTITION_INTERNAL_EXHAUSTIVE_H_
#define SEGPIPE_PARTITION_INTERNAL_EXHAUSTIVE_H_

#include <cstdint>
#include <functional>
#include <span>

#include "segpipe/partition/internal/split.h"

namespace segpipe {

// Time per inference (ms) of the split whose stage k ends at unit last_unit[k], run as a pipeline.
using SplitTimerFn = std::function<StatusOr<double>(std::span<const int> last_unit)>;

struct ExhaustiveResult {
  std::vector<int> last_unit;
  double time_per_inference_ms = 0;
  int64_t splits_timed = 0;
};

// Fails with FailedPrecondition when C(n-1, s-1) > max_splits.
StatusOr<ExhaustiveResult> ExhaustiveSplit(int num_units, int num_stages, int64_t max_splits,
                                           const SplitTimerFn& time_split);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_EXHAUSTIVE_H_
