// Fitting the Edge TPU timing model and the `paper` host profile to the authors' measurements,
// and the report `segpipe calibrate` writes (docs/edgetpu-model.md).
//
// The fit is physics first: every parameter of EdgeTpuSpec's timing part enters the predicted
// time linearly once the tile budget (which sets integer weight passes) is fixed, so the fit is
// a weighted linear least squares on relative error for each tile budget of a grid, keeping the
// best. Placement parameters are not fitted (they reproduce the reports exactly).
#ifndef SEGPIPE_DEVICE_EDGETPU_CALIBRATION_H_
#define SEGPIPE_DEVICE_EDGETPU_CALIBRATION_H_

#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/edgetpu_model.h"
#include "segpipe/device/paper_measurements.h"

namespace segpipe {

// One measured row with the placement of our synthesized model of the same shape.
struct CalibrationPoint {
  std::string file;
  PaperFamily family = PaperFamily::kFc;
  int size = 0;
  int num_tpus = 1;
  int batch = 1;
  double measured_ms = 0;
  std::vector<SegmentPlacement> segments;  // the paper's split ([1,2][3,4,5] for 2 TPUs)
  std::vector<double> measured_on_chip_mib, measured_off_chip_mib;
};

// Synthesizes each row's model (shape-only calibration), compiles it with the paper's split and
// keeps the placements. `spec` supplies the placement parameters.
StatusOr<std::vector<CalibrationPoint>> BuildCalibrationPoints(
    const std::vector<PaperMeasurement>& files, const EdgeTpuSpec& spec);

// Predicted time per inference in ms: single TPU = one invocation (the paper timed the invoke
// call); several TPUs = pipeline wall time for the file's batch, divided by the batch.
double PredictMs(const CalibrationPoint& point, const EdgeTpuSpec& spec, const HostProfile& host);

struct CalibrationResult {
  EdgeTpuSpec spec;            // fitted device
  HostProfile paper_host;      // fitted `paper` profile
  double device_rms_relative_error = 0;
  int tile_budget_grid_points = 0;
};

// Fits the device on the single-TPU files and the paper host profile on the 2-TPU files with
// every weight on chip. Fails when there are not enough points.
StatusOr<CalibrationResult> FitEdgeTpuModel(const std::vector<CalibrationPoint>& points,
                                            const EdgeTpuSpec& start);

// The linear form of the timing model (for tests and the report): time_ns of a segment =
// sum_k TimingFeatureValues(p, spec)[k] * TimingCoefficients(spec)[k].
std::vector<std::string> TimingFeatureNames();
std::vector<double> TimingFeatureValues(const SegmentPlacement& placement, const EdgeTpuSpec& spec);
std::vector<double> TimingCoefficients(const EdgeTpuSpec& spec);

// Relative error of each point's prediction, (predicted - measured) / measured.
struct FileError {
  std::string file;
  int rows = 0;
  double median_abs_relative_error = 0;
  double worst_abs_relative_error = 0;
  double worst_on_chip_diff_mib = 0;   // placement: largest |ours - reported| over segments
  double worst_off_chip_diff_mib = 0;
};
std::vector<FileError> EvaluateCalibration(const std::vector<CalibrationPoint>& points,
                                           const EdgeTpuSpec& spec, const HostProfile& host);

// The calibration report in Markdown: model, parameters and fit, placement check, error table
// per file and per row, where the model misses and why.
std::string CalibrationReportMarkdown(const std::vector<CalibrationPoint>& points,
                                      const CalibrationResult& result);

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_EDGETPU_CALIBRATION_H_
