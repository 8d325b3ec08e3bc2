// Dynamic programming over (devices used, units covered) with per-stage replication.
#include "segpipe/partition/replicate.h"

#include <algorithm>
#include <limits>

namespace segpipe {

StatusOr<std::vector<ReplicatedSplit>> BestReplicatedSplits(int num_units, int max_devices,
                                                            const UniformCostFn& cost) {
  if (num_units < 1 || max_devices < 1)
    return InvalidArgumentError("replicated split needs at least one layer and one device");
  const int n = num_units, D = max_devices;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // c[i * n + j]: cost of units [i, j].
  std::vector<double> c(static_cast<size_t>(n) * n, kInf);
  for (int i = 0; i < n; ++i)
    for (int j = i; j < n; ++j) {
      SEGPIPE_ASSIGN_OR_RETURN(c[static_cast<size_t>(i) * n + j], cost(i, j));
    }
  // g[u][p]: smallest period covering the first p units with exactly u devices.
  auto at = [n](int u, int p) { return static_cast<size_t>(u) * (n + 1) + p; };
  std::vector<double> g(static_cast<size_t>(D + 1) * (n + 1), kInf);
  std::vector<int> from_unit(g.size(), -1), from_replicas(g.size(), 0);
  g[at(0, 0)] = 0;
  for (int u = 1; u <= D; ++u) {
    for (int p = 1; p <= n; ++p) {
      double best = kInf;
      for (int r = 1; r <= u; ++r) {
        for (int i = 0; i < p; ++i) {  // the stage covers units [i, p - 1]
          const double prev = g[at(u - r, i)];
          if (prev == kInf) continue;
          const double v = std::max(prev, c[static_cast<size_t>(i) * n + p - 1] / r);
          if (v < best) {
            best = v;
            from_unit[at(u, p)] = i;
            from_replicas[at(u, p)] = r;
          }
        }
      }
      g[at(u, p)] = best;
    }
  }
  std::vector<ReplicatedSplit> out(static_cast<size_t>(D));
  for (int d = 1; d <= D; ++d) {
    ReplicatedSplit& s = out[d - 1];
    if (g[at(d, n)] == kInf) continue;  // leaves devices_used == 0: no such layout
    s.period_ms = g[at(d, n)];
    s.devices_used = d;
    int u = d, p = n;
    while (p > 0) {
      const int i = from_unit[at(u, p)], r = from_replicas[at(u, p)];
      s.last_unit.push_back(p - 1);
      s.replicas.push_back(r);
      s.stage_ms.push_back(c[static_cast<size_t>(i) * n + p - 1]);
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
