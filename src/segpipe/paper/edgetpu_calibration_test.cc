// The Edge TPU model against every row of the paper's measurements: placement exactly, timing
// within the accepted error. The fit itself, the published rows, cross-validation and the
// committed report need the zoo models: edgetpu_calibration_published_test.cc (slow).
#include "segpipe/paper/internal/edgetpu_calibration.h"

#include <gtest/gtest.h>


#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/tflite/internal/reader.h"
#include "segpipe/tflite/internal/writer.h"

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
  EXPECT_EQ(segments, 64 + 68 + 2 * 64 + 2 * 12 + 3 * 13);  // every row of the five files
}

TEST_F(CalibrationTest, PredictedTimesMeetTheAcceptedError) {
  const std::vector<FileError> errors = EvaluateCalibration(points(), DefaultCalibration());
  ASSERT_EQ(errors.size(), 5u);
  for (const FileError& e : errors) {
    // Issue #14's acceptance: single-TPU medians at most 6% (FC and CONV apart), the CONV
    // 3-TPU pipeline file's at most 10%; the FC 2-TPU files as before.
    const double median_budget = e.file == "conv_3tpu_default_batch100.csv" ? 0.10
                                 : e.file.find("_1tpu") != std::string::npos ? 0.06
                                                                             : 0.10;
    EXPECT_LE(e.median_abs_relative_error, median_budget) << e.file;
    EXPECT_LE(e.worst_abs_relative_error, 0.35) << e.file;
    EXPECT_LE(e.worst_on_chip_diff_mib, 0.03) << e.file;
    EXPECT_LE(e.worst_off_chip_diff_mib, 0.03) << e.file;
  }
}

TEST_F(CalibrationTest, LinearFormEqualsTheTimingModel) {
  const CalibrationResult model = DefaultCalibration();
  const std::vector<double> c = TimingCoefficients(model.spec, model.usb_spec);
  for (const CalibrationPoint& p : points()) {
    for (const SegmentPlacement& seg : p.segments) {
      for (EdgeTpuLink link : {EdgeTpuLink::kPcie, EdgeTpuLink::kUsb}) {
        const std::vector<double> f = TimingFeatureValues(seg, model.For(link), link);
        double linear_ns = 0;
        for (size_t k = 0; k < f.size(); ++k)
          if (f[k] != 0) linear_ns += f[k] * c[k];
        EXPECT_NEAR(linear_ns, EstimateSegmentTiming(seg, model.For(link)).total_ns(),
                    1e-6 * linear_ns)
            << p.file << " " << p.size << " " << EdgeTpuLinkName(link);
      }
    }
  }
}

TEST_F(CalibrationTest, TiedFitIsARealFitAndWorseOnThePipelineFile) {
  // The report compares the tied and untied PCIe rates; both are fits returned by
  // FitEdgeTpuModel (on the paper files alone here: the published rows are in the slow test).
  auto untied = FitEdgeTpuModel(points(), DefaultCalibration());
  auto tied = FitEdgeTpuModel(points(), DefaultCalibration(), FitOptions{.tie_activation_link = true});
  ASSERT_TRUE(untied.ok() && tied.ok());
  EXPECT_EQ(tied->spec.activation_link_bytes_per_s, tied->spec.stream_link_bytes_per_s);
  EXPECT_LT(untied->spec.activation_link_bytes_per_s, untied->spec.stream_link_bytes_per_s);
  auto pipeline_error = [&](const CalibrationResult& r) {
    for (const FileError& e : EvaluateCalibration(points(), r))
      if (e.file == "conv_3tpu_default_batch100.csv") return e.median_abs_relative_error;
    return 1.0;
  };
  EXPECT_LT(pipeline_error(*untied), pipeline_error(*tied));
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
