// Fitting CpuOpCostModel (edgetpu_model.h), the host CPU time of the ops a segment leaves on the
// CPU, to the authors' single-thread CPU measurements (conv_cpu_1thread.csv,
// fc_cpu_1thread.csv), and its section of the calibration report (docs/edgetpu-model.md).
//
// Each row is stood for by our synthesized model of the same shape (shape-only calibration); the
// model's time is linear in its four coefficients (ns per MAC, per weight byte, per output byte,
// per op), so the
// fit is a linear least squares on relative error (the rows span three orders of magnitude),
// with any coefficient the data would make negative held at 0. Deterministic: the fit reads
// data, never a clock, so the generated report is reproducible.
#ifndef SEGPIPE_PAPER_INTERNAL_CPU_OP_COST_H_
#define SEGPIPE_PAPER_INTERNAL_CPU_OP_COST_H_

#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/paper/internal/paper_measurements.h"

namespace segpipe {

// Where the authors' measurements are (`segpipe calibrate --measured`'s default).
inline constexpr char kPaperMeasuredDir[] = "../shared/paper/measured";

// One measured CPU row: the whole model run by TFLite on one thread.
struct CpuOpCostPoint {
  PaperFamily family = PaperFamily::kFc;
  int size = 0;
  int64_t macs = 0;          // ComputeOpCost over our model's ops
  int64_t weight_bytes = 0;  // constant bytes the ops read
  int64_t output_bytes = 0;  // bytes all ops write
  int num_ops = 0;
  double measured_ms = 0;
};

// Reads both CPU files of `measured_dir` and synthesizes each row's model. Fails, naming the
// file, when one is missing or malformed.
StatusOr<std::vector<CpuOpCostPoint>> BuildCpuOpCostPoints(const std::string& measured_dir);

struct CpuOpCostFit {
  CpuOpCostModel model;
  double rms_relative_error = 0;
  double worst_abs_relative_error = 0;
};
StatusOr<CpuOpCostFit> FitCpuOpCostModel(const std::vector<CpuOpCostPoint>& points);

// Predicted ms of one point under `model` (EstimateCpuOpsNs).
double PredictCpuMs(const CpuOpCostPoint& point, const CpuOpCostModel& model);

// The report section: the fitted coefficients, the defaults and the errors per file. When
// `measured_dir` lacks the files, a line saying so.
std::string CpuOpCostReportMarkdown(const std::string& measured_dir);

}  // namespace segpipe

#endif  // SEGPIPE_PAPER_INTERNAL_CPU_OP_COST_H_
