// Replicated splits (auto) against a brute force over every layout.
#include "segpipe/partition/internal/replicate.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <random>

#include <gtest/gtest.h>

namespace segpipe {
namespace {

// Smallest max(period, stages x h) over all layouts of units [first, n) using exactly `devices`
// devices, `stages` stages (with the given period) already placed.
double BrutePeriod(int first, int n, int devices, int stages, double period, double h,
                   const std::vector<std::vector<double>>& c) {
  if (first == n)
    return devices == 0 ? std::max(period, stages * h) : std::numeric_limits<double>::infinity();
  double best = std::numeric_limits<double>::infinity();
  for (int last = first; last < n; ++last)
    for (int r = 1; r <= devices; ++r)
      best = std::min(best, BrutePeriod(last + 1, n, devices - r, stages + 1,
                                        std::max(period, c[first][last] / r), h, c));
  return best;
}

// 150 random instances; h > 0 draws a serialized host floor per instance.
void ExpectMatchesBruteForce(uint32_t seed, bool with_host_floor) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 150; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 6);
    const int d = 1 + static_cast<int>(rng() % 5);
    const double h = with_host_floor ? std::uniform_real_distribution<double>(0.2, 4)(rng) : 0;
    std::vector<std::vector<double>> c(n, std::vector<double>(n));
    for (auto& row : c)
      for (double& x : row) x = std::uniform_real_distribution<double>(0.5, 10)(rng);
    auto best = BestReplicatedSplits(
        n, d, [&](int i, int j) -> StatusOr<double> { return c[i][j]; }, h);
    ASSERT_TRUE(best.ok());
    for (int used = 1; used <= d; ++used) {
      const double expect = BrutePeriod(0, n, used, 0, 0, h, c);
      const ReplicatedSplit& r = (*best)[used - 1];
      if (expect == std::numeric_limits<double>::infinity()) {
        EXPECT_EQ(r.devices_used, 0);
        continue;
      }
      EXPECT_NEAR(r.period_ms, expect, 1e-12);
      double period = static_cast<double>(r.replicas.size()) * h;
      int sum = 0;
      for (size_t k = 0; k < r.replicas.size(); ++k) {
        sum += r.replicas[k];
        period = std::max(period, r.stage_ms[k] / r.replicas[k]);
      }
      EXPECT_EQ(sum, used);
      EXPECT_NEAR(period, r.period_ms, 1e-12);
    }
  }
}

TEST(ReplicatedSplitTest, MatchesBruteForce) { ExpectMatchesBruteForce(11, false); }

TEST(ReplicatedSplitTest, MatchesBruteForceUnderASerializedHostFloor) {
  ExpectMatchesBruteForce(12, true);
}

TEST(ReplicatedSplitTest, ReplicatesTheWholeModelWhenCutsAreExpensive) {
  // Two units; cutting between them costs far more than the units themselves (a huge
  // activation), so four devices are best used as four copies of the whole model.
  auto best = BestReplicatedSplits(2, 4, [](int i, int j) -> StatusOr<double> {
    return (i == 0 && j == 1) ? 4.0 : 10.0;
  });
  ASSERT_TRUE(best.ok());
  EXPECT_EQ((*best)[3].replicas, std::vector<int>({4}));
  EXPECT_DOUBLE_EQ((*best)[3].period_ms, 1.0);
}

}  // namespace
}  // namespace segpipe
