// The Edge TPU model against every row of the paper's measurements: placement exactly, timing
// within the accepted error, defaults equal to the fit, and the committed report up to date.
#include "segpipe/device/edgetpu_calibration.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "segpipe/device/edgetpu_compiler.h"
#include "segpipe/synth/paper_models.h"
#include "segpipe/tflite/reader.h"
#include "segpipe/tflite/writer.h"

namespace segpipe {
namespace {

class CalibrationTest : public testing::Test {
 protected:
  // Synthesizing ~200 models takes seconds: build them once for the suite.
  static void SetUpTestSuite() {
    auto files = LoadPaperMeasurements(std::string(SEGPIPE_SHARED_DIR) + "/paper/measured");
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    auto built = BuildCalibrationPoints(*files, EdgeTpuSpec{});
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    points_ = new std::vector<CalibrationPoint>(std::move(*built));
  }
  static void TearDownTestSuite() {
    delete points_;
    points_ = nullptr;
  }
  static const std::vector<CalibrationPoint>& points() { return *points_; }
  static std::vector<CalibrationPoint>* points_;
};
std::vector<CalibrationPoint>* CalibrationTest::points_ = nullptr;

TEST_F(CalibrationTest, PlacementReproducesEveryReportedFigure) {
  int segments = 0;
  for (const CalibrationPoint& p : points()) {
    ASSERT_EQ(p.segments.size(), p.measured_on_chip_mib.size());
    for (size_t s = 0; s < p.segments.size(); ++s, ++segments) {
      EXPECT_NEAR(static_cast<double>(p.segments[s].on_chip_bytes) / kMiB,
                  p.measured_on_chip_mib[s], 0.03)
          << p.file << " size " << p.size << " segment " << s;
      EXPECT_NEAR(static_cast<double>(p.segments[s].off_chip_bytes) / kMiB,
                  p.measured_off_chip_mib[s], 0.03)
          << p.file << " size " << p.size << " segment " << s;
    }
  }
  EXPECT_EQ(segments, 64 + 68 + 2 * 64 + 2 * 12);  // every row of the four files
}

TEST_F(CalibrationTest, PredictedTimesMeetTheAcceptedError) {
  const std::vector<FileError> errors =
      EvaluateCalibration(points(), EdgeTpuSpec{}, PaperHostProfile());
  ASSERT_EQ(errors.size(), 4u);
  for (const FileError& e : errors) {
    EXPECT_LE(e.median_abs_relative_error, 0.10) << e.file;
    EXPECT_LE(e.worst_abs_relative_error, 0.35) << e.file;
    EXPECT_LE(e.worst_on_chip_diff_mib, 0.03) << e.file;
    EXPECT_LE(e.worst_off_chip_diff_mib, 0.03) << e.file;
  }
}

TEST_F(CalibrationTest, DefaultsAreTheFittedValues) {
  auto fit = FitEdgeTpuModel(points(), EdgeTpuSpec{});
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  const std::vector<double> fitted = TimingCoefficients(fit->spec);
  const std::vector<double> defaults = TimingCoefficients(EdgeTpuSpec{});
  for (size_t k = 0; k < fitted.size(); ++k)
    EXPECT_NEAR(defaults[k] / fitted[k], 1.0, 0.01) << TimingFeatureNames()[k];
  EXPECT_EQ(fit->spec.restream_tile_budget_bytes, EdgeTpuSpec{}.restream_tile_budget_bytes);
  EXPECT_NEAR(PaperHostProfile().per_stage_host_ns / fit->paper_host.per_stage_host_ns, 1.0, 0.01);
  EXPECT_NEAR(PaperHostProfile().startup_ns, fit->paper_host.startup_ns, 1e3);
}

TEST_F(CalibrationTest, LinearFormEqualsTheTimingModel) {
  const EdgeTpuSpec spec;
  const std::vector<double> c = TimingCoefficients(spec);
  for (const CalibrationPoint& p : points()) {
    for (const SegmentPlacement& seg : p.segments) {
      const std::vector<double> f = TimingFeatureValues(seg, spec);
      double linear_ns = 0;
      for (size_t k = 0; k < f.size(); ++k) linear_ns += f[k] * c[k];
      EXPECT_NEAR(linear_ns, EstimateSegmentTiming(seg, spec).total_ns(), 1e-6 * linear_ns)
          << p.file << " " << p.size;
    }
  }
}

TEST_F(CalibrationTest, CommittedReportIsUpToDate) {
  auto fit = FitEdgeTpuModel(points(), EdgeTpuSpec{});
  ASSERT_TRUE(fit.ok());
  std::ifstream in(std::string(SEGPIPE_SOURCE_DIR) + "/docs/edgetpu-model.md");
  ASSERT_TRUE(in) << "docs/edgetpu-model.md missing: run segpipe calibrate --out ...";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), CalibrationReportMarkdown(points(), *fit))
      << "rerun: segpipe calibrate --measured ../shared/paper/measured --out "
         "docs/edgetpu-model.md";
}

TEST(CompilePathTest, WrittenAndReadBackModelsPlaceLikeInMemoryOnes) {
  // `segpipe compile` reads the .tflite that `segpipe synth` wrote: same placement.
  for (int hidden : {100, 1620, 2020}) {
    synth::FcConfig c;
    c.hidden = hidden;
    c.calibration_inputs = 0;
    const Model model = synth::SynthesizeFc(c).value().model;
    auto bytes = WriteTflite(model);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto read = ReadTflite(*bytes);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    const SplitSpec split = ParseSplitSpec("uniform").value();
    auto a = CompileForEdgeTpu(model, 2, split, EdgeTpuSpec{});
    auto b = CompileForEdgeTpu(*read, 2, split, EdgeTpuSpec{});
    ASSERT_TRUE(a.ok() && b.ok());
    for (int s = 0; s < 2; ++s) {
      EXPECT_EQ(a->segments[s].placement.on_chip_bytes, b->segments[s].placement.on_chip_bytes);
      EXPECT_EQ(a->segments[s].placement.off_chip_bytes, b->segments[s].placement.off_chip_bytes);
    }
  }
}

}  // namespace
}  // namespace segpipe
