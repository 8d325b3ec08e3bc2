// Split enumeration and evaluation shared by the brute-force reference and `exhaustive`.
#include "segpipe/partition/internal/split.h"

#include <limits>

#include <fmt/format.h>

namespace segpipe {

int64_t CountSplits(int num_units, int num_stages) {
  if (num_stages < 1 || num_stages > num_units) return 0;
  const int64_t n = num_units - 1;
  int64_t k = num_stages - 1;
  if (k > n - k) k = n - k;
  // C(n, k) by the multiplicative formula; each partial product is itself a binomial coefficient,
  // so the division is exact. __int128 holds the intermediate product.
  __int128 c = 1;
  for (int64_t i = 1; i <= k; ++i) {
    c = c * (n - k + i) / i;
    if (c > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(c);
}

void ForEachSplit(int num_units, int num_stages,
                  const std::function<bool(std::span<const int>)>& visit) {
  if (num_stages < 1 || num_stages > num_units) return;
  // last[k] for k < s-1 ranges over increasing positions; last[s-1] is fixed at n-1.
  std::vector<int> last(static_cast<size_t>(num_stages));
  for (int k = 0; k < num_stages; ++k) last[k] = k;
  last[num_stages - 1] = num_units - 1;
  while (true) {
    if (!visit(last)) return;
    // Advance the rightmost free cut that can still move.
    int k = num_stages - 2;
    while (k >= 0 && last[k] == num_units - num_stages + k) --k;
    if (k < 0) return;
    ++last[k];
    for (int j = k + 1; j < num_stages - 1; ++j) last[j] = last[j - 1] + 1;
  }
}

StatusOr<UnitSplit> EvaluateSplit(std::span<const int> last_unit, const Objective& objective,
                                  const SegmentCostFn& cost) {
  UnitSplit split;
  split.last_unit.assign(last_unit.begin(), last_unit.end());
  int first = 0;
  for (size_t k = 0; k < last_unit.size(); ++k) {
    SEGPIPE_ASSIGN_OR_RETURN(double t, cost(first, last_unit[k], static_cast<int>(k)));
    split.stage_ms.push_back(t);
    first = last_unit[k] + 1;
  }
  split.objective_value = ObjectiveValue(objective, split.stage_ms);
  return split;
}

Status CheckSplitShape(int num_units, int num_stages) {
  if (num_stages < 1)
    return InvalidArgumentError(fmt::format("cannot split into {} stages", num_stages));
  if (num_stages > num_units)
    return FailedPreconditionError(fmt::format(
        "cannot split {} layers into {} non-empty stages; use at most {} devices", num_units,
        num_stages, num_units));
  return OkStatus();
}

StatusOr<UnitSplit> BruteForceSplit(int num_units, int num_stages, const Objective& objective,
                                    const SegmentCostFn& cost) {
  SEGPIPE_RETURN_IF_ERROR(CheckSplitShape(num_units, num_stages));
  std::optional<UnitSplit> best;
  Status error;
  ForEachSplit(num_units, num_stages, [&](std::span<const int> last) {
    auto split = EvaluateSplit(last, objective, cost);
    if (!split.ok()) {
      error = split.status();
      return false;
    }
    if (!best || split->objective_value < best->objective_value) best = std::move(*split);
    return true;
  });
  SEGPIPE_RETURN_IF_ERROR(error);
  return std::move(*best);
}

}  // namespace segpipe
