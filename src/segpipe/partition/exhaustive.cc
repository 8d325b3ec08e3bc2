// Times every split as a pipeline and keeps the fastest; see exhaustive.h.
#include "segpipe/partition/internal/exhaustive.h"

#include <fmt/format.h>

namespace segpipe {

StatusOr<ExhaustiveResult> ExhaustiveSplit(int num_units, int num_stages, int64_t max_splits,
                                           const SplitTimerFn& time_split) {
  SEGPIPE_RETURN_IF_ERROR(CheckSplitShape(num_units, num_stages));
  const int64_t count = CountSplits(num_units, num_stages);
  if (count > max_splits)
    return FailedPreconditionError(fmt::format(
        "exhaustive: {} layers on {} devices give {} partitions, more than the limit of {} "
        "(--max-partitions); use --strategy optimal, which finds the same best split from "
        "about {} segment profiles",
        num_units, num_stages, count, max_splits,
        static_cast<int64_t>(num_units) * (num_units + 1) / 2));
  ExhaustiveResult best;
  Status error;
  ForEachSplit(num_units, num_stages, [&](std::span<const int> last) {
    auto t = time_split(last);
    if (!t.ok()) {
      error = t.status();
      return false;
    }
    ++best.splits_timed;
    if (best.last_unit.empty() || *t < best.time_per_inference_ms) {
      best.last_unit.assign(last.begin(), last.end());
      best.time_per_inference_ms = *t;
    }
    return true;
  });
  SEGPIPE_RETURN_IF_ERROR(error);
  return best;
}

}  // namespace segpipe
