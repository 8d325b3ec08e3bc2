// What the calibration report says about where the Edge TPU model misses, as computed findings
// (the report formats them; tests check each statement against them).
#ifndef SEGPIPE_PAPER_INTERNAL_EDGETPU_CALIBRATION_FINDINGS_H_
#define SEGPIPE_PAPER_INTERNAL_EDGETPU_CALIBRATION_FINDINGS_H_

#include <cmath>
#include <string>
#include <vector>

#include "segpipe/paper/internal/edgetpu_calibration.h"

namespace segpipe {

// Range of signed relative errors (predicted / measured - 1) over some rows.
struct ErrorSpan {
  int rows = 0;
  double lo = INFINITY, hi = -INFINITY;
};

// Two measured rows of one file, `a` before `b` in size.
struct RowPair {
  bool found = false;
  std::string a_label, b_label;
  double a_ms = 0, b_ms = 0;
  double relative_jump = 0;  // |b - a| / min(a, b)
};

struct CalibrationFindings {
  // fc_1tpu.csv: the largest jump between neighbouring sizes whose placement is the same.
  RowPair fc_jitter;
  struct {
    std::string label;
    double error = 0;  // absolute relative error
  } fc_worst;
  // fc_2tpu_default_batch1.csv rows whose second segment streams weights.
  ErrorSpan fc_streamed_b1;
  double fc_streamed_b1_measured_ms_per_mib = 0;  // least-squares slope vs streamed MiB
  double fc_streamed_b1_model_ms_per_mib = 0;
  double fc_streamed_b1_median_excess_ms = 0;  // median of measured - predicted
  // conv_1tpu.csv rows with streamed layers: weight passes implied by the measured time (and
  // by the model's), = (time - non-streaming work) / (streamed bytes / stream rate).
  ErrorSpan conv_three_streamed;          // rows with >= 3 streamed layers
  double conv_passes_three_streamed = 0;  // median implied by measurement, >= 3 streamed layers
  double conv_passes_fewer_streamed = 0;  // median implied by measurement, 1 or 2
  double conv_model_passes_three_streamed = 0;  // median the model uses, >= 3 streamed layers
  // conv_1tpu.csv: the largest inversion, a smaller model measured slower than the next size.
  RowPair conv_inversion;
};

CalibrationFindings FindCalibrationFindings(const std::vector<CalibrationPoint>& points,
                                            const CalibrationResult& model);

}  // namespace segpipe

#endif  // SEGPIPE_PAPER_INTERNAL_EDGETPU_CALIBRATION_FINDINGS_H_
