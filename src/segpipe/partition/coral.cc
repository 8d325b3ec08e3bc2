// Bisection on a target stage latency with greedy segment growth; see coral.h.
#include "segpipe/partition/internal/coral.h"

#include <algorithm>

#include <fmt/format.h>

namespace segpipe {
namespace {

// The greedy split for `target`, or an empty vector when some segment cannot meet it.
StatusOr<std::vector<int>> GreedySplit(int n, int s, const SegmentCostFn& cost, double target,
                                       int step) {
  std::vector<int> last;
  int first = 0;
  for (int k = 0; k < s - 1; ++k) {
    const int max_last = n - s + k;  // leave one unit for every later stage
    int end = first;
    SEGPIPE_ASSIGN_OR_RETURN(double t, cost(first, end, k));
    if (t > target) return std::vector<int>{};
    while (end < max_last) {
      const int next = std::min(end + step, max_last);
      SEGPIPE_ASSIGN_OR_RETURN(double grown, cost(first, next, k));
      if (grown > target) break;
      end = next;
    }
    last.push_back(end);
    first = end + 1;
  }
  SEGPIPE_ASSIGN_OR_RETURN(double tail, cost(first, n - 1, s - 1));
  if (tail > target) return std::vector<int>{};
  last.push_back(n - 1);
  return last;
}

}  // namespace

StatusOr<UnitSplit> CoralSplit(int num_units, int num_stages, const Objective& objective,
                               const SegmentCostFn& cost, std::span<const int> initial_last_unit,
                               const CoralOptions& options, int* iterations) {
  SEGPIPE_RETURN_IF_ERROR(CheckSplitShape(num_units, num_stages));
  if (static_cast<int>(initial_last_unit.size()) != num_stages)
    return InvalidArgumentError(fmt::format("coral: the initial split has {} segments, not {}",
                                            initial_last_unit.size(), num_stages));
  if (options.step < 1 || !(options.diff_threshold_ms > 0))
    return InvalidArgumentError("coral: step must be >= 1 and diff threshold > 0");
  SEGPIPE_ASSIGN_OR_RETURN(UnitSplit best, EvaluateSplit(initial_last_unit, objective, cost));
  double lower = *std::min_element(best.stage_ms.begin(), best.stage_ms.end());
  double upper = *std::max_element(best.stage_ms.begin(), best.stage_ms.end());
  int rounds = 0;
  while (upper - lower >= options.diff_threshold_ms) {
    ++rounds;
    const double target = (lower + upper) / 2;
    SEGPIPE_ASSIGN_OR_RETURN(std::vector<int> last,
                             GreedySplit(num_units, num_stages, cost, target, options.step));
    if (last.empty()) {
      lower = target;
      continue;
    }
    upper = target;
    SEGPIPE_ASSIGN_OR_RETURN(best, EvaluateSplit(last, objective, cost));
  }
  if (iterations) *iterations = rounds;
  return best;
}

}  // namespace segpipe
