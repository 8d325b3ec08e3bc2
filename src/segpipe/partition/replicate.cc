// Dynamic programming over (devices used, units covered) with per-stage replication.
#include "segpipe/partition/internal/replicate.h"

#include <algorithm>
#include <limits>

namespace segpipe {

StatusOr<std::vector<ReplicatedSplit>> BestReplicatedSplits(int num_units, int max_devices,
                                                            const UniformCostFn& cost,
                                                            double serialized_host_ms_per_stage) {
  if (num_units < 1 || max_devices < 1)
    return InvalidArgumentError("replicated split needs at least one layer and one device");
  const int n = num_units, D = max_devices;
  const double h = serialized_host_ms_per_stage;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // c[i * n + j]: cost of units [i, j].
  std::vector<double> c(static_cast<size_t>(n) * n, kInf);
  for (int i = 0; i < n; ++i)
    for (int j = i; j < n; ++j) {
      SEGPIPE_ASSIGN_OR_RETURN(c[static_cast<size_t>(i) * n + j], cost(i, j));
    }
  // g[k][u][p]: smallest period (without the host floor) covering the first p units with
  // exactly u devices in k stages. The stage count only matters under a host floor; without one
  // every k >= 1 folds into k = 1.
  const int S = h > 0 ? D : 1;
  auto at = [n, D](int k, int u, int p) {
    return (static_cast<size_t>(k) * (D + 1) + u) * (n + 1) + p;
  };
  std::vector<double> g(static_cast<size_t>(S + 1) * (D + 1) * (n + 1), kInf);
  std::vector<int> from_unit(g.size(), -1), from_replicas(g.size(), 0), from_k(g.size(), 0);
  g[at(0, 0, 0)] = 0;
  for (int u = 1; u <= D; ++u)
    for (int p = 1; p <= n; ++p)
      for (int r = 1; r <= u; ++r)
        for (int i = 0; i < p; ++i) {  // the last stage covers units [i, p - 1] on r devices
          const double stage = c[static_cast<size_t>(i) * n + p - 1] / r;
          for (int k = 0; k <= S; ++k) {
            const double prev = g[at(k, u - r, i)];
            if (prev == kInf) continue;
            const int next = std::min(k + 1, S);
            const double v = std::max(prev, stage);
            if (v < g[at(next, u, p)]) {
              g[at(next, u, p)] = v;
              from_unit[at(next, u, p)] = i;
              from_replicas[at(next, u, p)] = r;
              from_k[at(next, u, p)] = k;
            }
          }
        }
  std::vector<ReplicatedSplit> out(static_cast<size_t>(D));
  for (int d = 1; d <= D; ++d) {
    ReplicatedSplit& s = out[d - 1];
    int best_k = 0;
    double best = kInf;
    for (int k = 1; k <= S; ++k) {
      const double period = std::max(g[at(k, d, n)], h > 0 ? k * h : 0.0);
      if (period < best) {
        best = period;
        best_k = k;
      }
    }
    if (best == kInf) continue;  // leaves devices_used == 0: no such layout
    s.period_ms = best;
    s.devices_used = d;
    int k = best_k, u = d, p = n;
    while (p > 0) {
      const size_t here = at(k, u, p);
      const int i = from_unit[here], r = from_replicas[here];
      s.last_unit.push_back(p - 1);
      s.replicas.push_back(r);
      s.stage_ms.push_back(c[static_cast<size_t>(i) * n + p - 1]);
      k = from_k[here];
      u -= r;
      p = i;
    }
    std::reverse(s.last_unit.begin(), s.last_unit.end());
    std::reverse(s.replicas.begin(), s.replicas.end());
    std::reverse(s.stage_ms.begin(), s.stage_ms.end());
  }
  return out;
}

}  // namespace segpipe
