// Fitting the Edge TPU timing model and the `paper` host profile to the authors' measurements,
// and the report `segpipe calibrate` writes (docs/edgetpu-model.md).
//
// The fit is physics first: every parameter of EdgeTpuSpec's timing part enters the predicted
// time linearly once the tile budget (which sets integer weight passes) is fixed, so the fit is
// a weighted linear least squares on relative error for each tile budget of a grid, keeping the
// best. Placement parameters are not fitted (they reproduce the reports exactly).
#ifndef SEGPIPE_PAPER_INTERNAL_EDGETPU_CALIBRATION_H_
#define SEGPIPE_PAPER_INTERNAL_EDGETPU_CALIBRATION_H_

#include <string>
#include <vector>

#include "segpipe/model/model.h"

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/paper/internal/paper_measurements.h"

namespace segpipe {

// One measured row with the placement of our model of the same shape: a row of the paper's
// files (synthesized FC or CONV model, the paper's split) or a published per-model latency
// (`published`: a zoo model of the named architecture, one segment).
struct CalibrationPoint {
  std::string file;  // paper file name, or kPublishedTable for published rows
  PaperFamily family = PaperFamily::kFc;
  int size = 0;                  // n or f; 0 for published rows
  std::string model_name;        // published rows: e.g. "MobileNet v1 224"
  bool published = false;
  EdgeTpuLink link = EdgeTpuLink::kPcie;
  int num_tpus = 1;
  int batch = 1;
  double measured_ms = 0;
  std::vector<SegmentPlacement> segments;  // the paper's split ([1,2][3,4,5] for 2 TPUs)
  std::vector<double> measured_on_chip_mib, measured_off_chip_mib;  // empty for published rows
  // "n = 1100", "f = 42" or the model name.
  std::string Label() const;
};

// The name the published rows go by in reports and cross-validation.
inline constexpr const char* kPublishedTable = "Coral published table (USB 3.0)";

// A published latency the fit uses: Coral's Edge TPU table, USB 3.0 column, ms per inference.
// Only these rows are used anywhere in segpipe; the rest of that table is held out.
struct PublishedRow {
  const char* name;      // as the table names it
  const char* zoo_name;  // `segpipe synth zoo NAME`
  int input_size;
  double ms;
};
const std::vector<PublishedRow>& PublishedFitRows();

// Synthesizes each row's model (shape-only calibration), compiles it with the paper's split
// (FC: the authors' hand split; CONV: the compiler's parameter-balanced split) and keeps the
// placements. `spec` supplies the placement parameters.
StatusOr<std::vector<CalibrationPoint>> BuildCalibrationPoints(
    const std::vector<PaperMeasurement>& files, const EdgeTpuSpec& spec);

// One point per published row from its model, placed as one segment on a USB Edge TPU.
StatusOr<CalibrationPoint> BuildPublishedPoint(const PublishedRow& row, const Model& model,
                                               const EdgeTpuSpec& spec);

// The published rows, each built with `segpipe synth zoo NAME` at the table's input size.
StatusOr<std::vector<CalibrationPoint>> BuildPublishedPoints(const EdgeTpuSpec& spec);

struct CalibrationResult {
  EdgeTpuSpec spec;            // fitted device on PCIe (EdgeTpuSpec{} defaults)
  EdgeTpuSpec usb_spec;        // the same array behind the USB link (EdgeTpuSpecFor(kUsb))
  HostProfile paper_host;      // fitted `paper` profile
  double device_rms_relative_error = 0;  // over the rows the device was fitted on
  int tile_budget_grid_points = 0;       // budgets that gave a physical fit
  // Coefficients the fitting rows cannot determine (no row exercises them): kept at the
  // starting spec's value, named as TimingFeatureNames() names them.
  std::vector<std::string> held_coefficients;
  // Fixed costs the fit put at their lower bound, 0 (a free fit would make them negative).
  std::vector<std::string> zero_coefficients;
  const EdgeTpuSpec& For(EdgeTpuLink link) const {
    return link == EdgeTpuLink::kUsb ? usb_spec : spec;
  }
};

// The defaults segpipe ships (EdgeTpuSpecFor each link, PaperHostProfile()).
CalibrationResult DefaultCalibration();

// Predicted time per inference in ms: single TPU = one invocation (the paper timed the invoke
// call); several TPUs = pipeline wall time for the file's batch, divided by the batch.
double PredictMs(const CalibrationPoint& point, const CalibrationResult& model);

struct FitOptions {
  // Tie the PCIe activation rate to the weight-streaming rate (the model before the CONV
  // pipeline file pinned the inter-TPU hop); the report compares it with the untied fit.
  bool tie_activation_link = false;
};

// Fits the device on the single-TPU files, the CONV pipeline file and the published rows, and
// the paper host profile on the FC 2-TPU files with every weight on chip (alternating, as the
// CONV pipeline's time depends on both). Fails when there are not enough points.
StatusOr<CalibrationResult> FitEdgeTpuModel(const std::vector<CalibrationPoint>& points,
                                            const CalibrationResult& start,
                                            const FitOptions& options = {});

// The coefficients the timing model is linear in once the tile budget is fixed: time_ns =
// sum_k feature[k] * coefficient[k]. The two links have their own invoke cost and transfer
// rate; the array behind them is the same chip.
enum TimingFeature : int {
  kFeatureInvokePcie,      // invocations on PCIe x invoke_overhead_ns
  kFeatureActivationPcie,  // activation bytes over PCIe / activation_link_bytes_per_s
  kFeatureStreamPcie,      // streamed weight bytes x passes / stream_link_bytes_per_s
  kFeatureConvOutput,      // conv padded output bytes / conv_output_bytes_per_cycle
  kFeatureStreamSetup,     // invocations that stream x stream_setup_ns
  kFeatureFcWeights,       // FC padded weight bytes / fc_weight_bytes_per_cycle
  kFeatureConvMacs,        // conv padded MACs / (64 x 64 x conv_array_efficiency)
  kFeatureConvLayers,      // conv layers x conv_layer_overhead_ns
  kFeatureVector,          // vector-unit bytes / vector_bytes_per_cycle
  kFeatureInvokeUsb,       // invocations on USB x the USB invoke cost
  kFeatureLinkUsb,         // bytes over USB (activations + streamed weights x passes) / rate
  kNumTimingFeatures
};

// The linear form of the timing model (for tests and the report): time_ns of a segment =
// sum_k TimingFeatureValues(p, spec, link)[k] * TimingCoefficients(pcie, usb)[k].
std::vector<std::string> TimingFeatureNames();
std::vector<double> TimingFeatureValues(const SegmentPlacement& placement, const EdgeTpuSpec& spec,
                                        EdgeTpuLink link = EdgeTpuLink::kPcie);
std::vector<double> TimingCoefficients(const EdgeTpuSpec& pcie, const EdgeTpuSpec& usb);

// Relative error of each point's prediction, (predicted - measured) / measured.
struct FileError {
  std::string file;
  int rows = 0;
  double median_abs_relative_error = 0;
  double worst_abs_relative_error = 0;
  double worst_on_chip_diff_mib = 0;   // placement: largest |ours - reported| over segments
  double worst_off_chip_diff_mib = 0;
};
// Per file, in order of first appearance (published rows: one entry, kPublishedTable).
std::vector<FileError> EvaluateCalibration(const std::vector<CalibrationPoint>& points,
                                           const CalibrationResult& model);

// Leave-one-out: each paper file, and each published row, is left out of the fit in turn and
// predicted by the model fitted on the rest.
struct CrossValidationRow {
  std::string held_out;          // file name or published model name
  int rows = 0;
  bool fitted = false;           // false: no physical fit of the rest (see `why`)
  std::string why;
  // Coefficients only the left-out rows determine (their term is >= 1% of some row's time
  // there and in no other row): the prediction of such a source is an extrapolation.
  std::string undetermined;
  double median_abs_relative_error = 0;
  double worst_abs_relative_error = 0;
};
// The cross-validation test's budgets on the median error of a left-out source that the rest
// determine (set before the cross-validation was first run).
inline constexpr double kCrossValidationPaperBudget = 0.25;
inline constexpr double kCrossValidationPublishedBudget = 0.50;
std::vector<CrossValidationRow> CrossValidate(const std::vector<CalibrationPoint>& points,
                                              const CalibrationResult& start);

// The calibration report in Markdown: model, parameters and fit, placement check, error table
// per file and per row, where the model misses and why.
std::string CalibrationReportMarkdown(const std::vector<CalibrationPoint>& points,
                                      const CalibrationResult& result,
                                      const CalibrationResult& tied,
                                      const std::vector<CrossValidationRow>& cross_validation);

}  // namespace segpipe

#endif  // SEGPIPE_PAPER_INTERNAL_EDGETPU_CALIBRATION_H_
