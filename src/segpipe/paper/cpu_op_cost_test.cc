// CpuOpCostModel's defaults are the fit on the authors' CPU measurements, and the fit holds.
#include "segpipe/paper/internal/cpu_op_cost.h"

#include <gtest/gtest.h>

namespace segpipe {
namespace {

const std::vector<CpuOpCostPoint>& Points() {
  static const auto* points = [] {
    auto built = BuildCpuOpCostPoints(kPaperMeasuredDir);
    EXPECT_TRUE(built.ok()) << built.status().message();
    return new std::vector<CpuOpCostPoint>(built.ok() ? *built : std::vector<CpuOpCostPoint>{});
  }();
  return *points;
}

TEST(CpuOpCostTest, PointsCarryTheMeasuredMacs) {
  ASSERT_FALSE(Points().empty());
  for (const CpuOpCostPoint& p : Points()) {
    EXPECT_GT(p.macs, 0);
    EXPECT_GT(p.output_bytes, 0);
    EXPECT_GT(p.num_ops, 0);
  }
}

TEST(CpuOpCostTest, DefaultsEqualTheFit) {
  auto fit = FitCpuOpCostModel(Points());
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  const CpuOpCostModel defaults;
  EXPECT_NEAR(defaults.ns_per_mac, fit->model.ns_per_mac, 0.01 * fit->model.ns_per_mac);
  EXPECT_NEAR(defaults.ns_per_weight_byte, fit->model.ns_per_weight_byte,
              0.01 * fit->model.ns_per_weight_byte + 1e-9);
  EXPECT_NEAR(defaults.ns_per_output_byte, fit->model.ns_per_output_byte,
              0.01 * fit->model.ns_per_output_byte + 1e-9);
  EXPECT_NEAR(defaults.ns_per_op, fit->model.ns_per_op, 0.01 * fit->model.ns_per_op + 1e-6);
  EXPECT_GE(fit->model.ns_per_mac, 0);
  EXPECT_GE(fit->model.ns_per_weight_byte, 0);
  EXPECT_GE(fit->model.ns_per_output_byte, 0);
  EXPECT_GE(fit->model.ns_per_op, 0);
}

TEST(CpuOpCostTest, FitHoldsOnEveryRow) {
  auto fit = FitCpuOpCostModel(Points());
  ASSERT_TRUE(fit.ok());
  // docs/edgetpu-model.md shows the errors per file.
  EXPECT_LT(fit->rms_relative_error, 0.25);
}

TEST(CpuOpCostTest, MissingFilesFailWithTheFileName) {
  auto built = BuildCpuOpCostPoints("/nonexistent/measured");
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("fc_cpu_1thread.csv"), std::string::npos);
  EXPECT_FALSE(FitCpuOpCostModel({}).ok());
}

}  // namespace
}  // namespace segpipe
