// Exact split search by dynamic programming over (stage, last unit); see optimal.h.
#include "segpipe/partition/internal/optimal.h"

#include <algorithm>
#include <limits>

namespace segpipe {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Segment costs of every (stage, first, last) a valid split can use: stage k covers units
// [i, j] with k <= i <= j <= n - s + k.
class CostTable {
 public:
  static StatusOr<CostTable> Build(int n, int s, const SegmentCostFn& cost) {
    CostTable table(n, s);
    for (int k = 0; k < s; ++k) {
      const int max_last = n - s + k;
      const int max_first = k == 0 ? 0 : max_last;  // stage 0 always starts at unit 0
      for (int i = k; i <= max_first; ++i) {
        // The last stage always ends at n - 1.
        for (int j = (k == s - 1 ? n - 1 : i); j <= max_last; ++j) {
          SEGPIPE_ASSIGN_OR_RETURN(double t, cost(i, j, k));
          table.at(k, i, j) = t;
        }
      }
    }
    return table;
  }
  double at(int k, int i, int j) const { return costs_[Index(k, i, j)]; }
  double& at(int k, int i, int j) { return costs_[Index(k, i, j)]; }
  const std::vector<double>& all() const { return costs_; }

 private:
  CostTable(int n, int s)
      : n_(n), costs_(static_cast<size_t>(s) * n * n, kInf) {}
  size_t Index(int k, int i, int j) const {
    return (static_cast<size_t>(k) * n_ + i) * n_ + j;
  }
  int n_;
  std::vector<double> costs_;  // kInf where the (stage, first, last) triple is never used
};

// How the DP combines a prefix value with the cost of the next stage.
enum class Combine { kMax, kSum };

// Best value of a split of units [0, n) into s stages under `combine`, using only segments
// whose cost is <= threshold. Returns the split (empty last_unit when none qualifies).
std::vector<int> SolveDp(const CostTable& table, int n, int s, Combine combine,
                         double threshold) {
  // best[k][j]: value of stages 0..k covering units 0..j; from[k][j]: first unit of stage k.
  std::vector<double> best(static_cast<size_t>(s) * n, kInf);
  std::vector<int> from(static_cast<size_t>(s) * n, -1);
  auto at = [n](int k, int j) { return static_cast<size_t>(k) * n + j; };
  for (int j = 0; j <= n - s; ++j) {
    const double c = table.at(0, 0, j);
    if (c <= threshold) {
      best[at(0, j)] = c;
      from[at(0, j)] = 0;
    }
  }
  for (int k = 1; k < s; ++k) {
    const int max_last = n - s + k;
    for (int j = (k == s - 1 ? n - 1 : k); j <= max_last; ++j) {
      double value = kInf;
      int arg = -1;
      for (int i = k; i <= j; ++i) {
        const double prev = best[at(k - 1, i - 1)];
        const double c = table.at(k, i, j);
        if (prev == kInf || c > threshold) continue;
        const double v = combine == Combine::kMax ? std::max(prev, c) : prev + c;
        if (v < value) {
          value = v;
          arg = i;
        }
      }
      best[at(k, j)] = value;
      from[at(k, j)] = arg;
    }
  }
  if (best[at(s - 1, n - 1)] == kInf) return {};
  std::vector<int> last(static_cast<size_t>(s));
  int j = n - 1;
  for (int k = s - 1; k >= 0; --k) {
    last[k] = j;
    j = from[at(k, j)] - 1;
  }
  return last;
}

UnitSplit MakeSplit(const CostTable& table, std::vector<int> last, const Objective& objective) {
  UnitSplit split;
  int first = 0;
  for (size_t k = 0; k < last.size(); ++k) {
    split.stage_ms.push_back(table.at(static_cast<int>(k), first, last[k]));
    first = last[k] + 1;
  }
  split.last_unit = std::move(last);
  split.objective_value = ObjectiveValue(objective, split.stage_ms);
  return split;
}

}  // namespace

StatusOr<UnitSplit> OptimalSplit(int num_units, int num_stages, const Objective& objective,
                                 const SegmentCostFn& cost) {
  SEGPIPE_RETURN_IF_ERROR(CheckSplitShape(num_units, num_stages));
  const int n = num_units, s = num_stages;
  SEGPIPE_ASSIGN_OR_RETURN(CostTable table, CostTable::Build(n, s, cost));

  if (objective.kind == Objective::Kind::kLatency)
    return MakeSplit(table, SolveDp(table, n, s, Combine::kSum, kInf), objective);

  // The smallest bottleneck; every split is feasible at threshold +inf, so this one exists
  // unless some cost is +inf or NaN, which SolveDp treats as unusable.
  std::vector<int> minmax = SolveDp(table, n, s, Combine::kMax, kInf);
  if (minmax.empty())
    return FailedPreconditionError("no split has a finite cost on these devices");
  // Below the serialized host floor a smaller bottleneck buys nothing: search from the floor.
  const double bottleneck = std::max(MakeSplit(table, minmax, Objective::Throughput()).objective_value,
                                     s * objective.serialized_host_ms_per_stage);
  UnitSplit best = MakeSplit(table, SolveDp(table, n, s, Combine::kSum, bottleneck), objective);
  if (objective.kind == Objective::Kind::kThroughput) return best;

  // batch:B. Candidate bottlenecks above the smallest one, ascending.
  const double weight = objective.batch_size - 1;
  const double min_sum =
      MakeSplit(table, SolveDp(table, n, s, Combine::kSum, kInf), Objective::Latency())
          .objective_value;
  std::vector<double> thresholds;
  for (double c : table.all())
    if (c > bottleneck && c < kInf) thresholds.push_back(c);
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  for (double t : thresholds) {
    if (min_sum + weight * t >= best.objective_value) break;
    std::vector<int> last = SolveDp(table, n, s, Combine::kSum, t);
    if (last.empty()) continue;
    UnitSplit candidate = MakeSplit(table, std::move(last), objective);
    if (candidate.objective_value < best.objective_value) best = std::move(candidate);
  }
  return best;
}

}  // namespace segpipe
