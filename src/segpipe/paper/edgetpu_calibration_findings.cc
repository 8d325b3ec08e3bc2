// Computed findings behind the "Where the model misses" section of docs/edgetpu-model.md.
#include "segpipe/paper/internal/edgetpu_calibration_findings.h"

#include <algorithm>

#include "segpipe/core/internal/statistics.h"

namespace segpipe {
namespace {

std::vector<const CalibrationPoint*> FileRows(const std::vector<CalibrationPoint>& points,
                                              const std::string& file) {
  std::vector<const CalibrationPoint*> rows;
  for (const CalibrationPoint& p : points)
    if (!p.published && p.file == file) rows.push_back(&p);
  std::sort(rows.begin(), rows.end(),
            [](const CalibrationPoint* a, const CalibrationPoint* b) { return a->size < b->size; });
  return rows;
}

bool SamePlacement(const CalibrationPoint& a, const CalibrationPoint& b) {
  if (a.segments.size() != b.segments.size()) return false;
  for (size_t s = 0; s < a.segments.size(); ++s) {
    if (a.segments[s].layers.size() != b.segments[s].layers.size()) return false;
    for (size_t l = 0; l < a.segments[s].layers.size(); ++l)
      if (a.segments[s].layers[l].on_chip != b.segments[s].layers[l].on_chip) return false;
  }
  return true;
}

void Extend(ErrorSpan* span, double error) {
  ++span->rows;
  span->lo = std::min(span->lo, error);
  span->hi = std::max(span->hi, error);
}

// Least-squares slope of y against x.
double Slope(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() < 2) return 0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(x.size());
  my /= static_cast<double>(x.size());
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0 ? sxy / sxx : 0;
}

}  // namespace

CalibrationFindings FindCalibrationFindings(const std::vector<CalibrationPoint>& points,
                                            const CalibrationResult& model) {
  CalibrationFindings f;
  const std::vector<const CalibrationPoint*> fc = FileRows(points, "fc_1tpu.csv");
  for (size_t i = 0; i + 1 < fc.size(); ++i) {
    const CalibrationPoint& a = *fc[i];
    const CalibrationPoint& b = *fc[i + 1];
    if (!SamePlacement(a, b)) continue;
    const double jump =
        std::abs(b.measured_ms - a.measured_ms) / std::min(a.measured_ms, b.measured_ms);
    if (jump > f.fc_jitter.relative_jump)
      f.fc_jitter = RowPair{true, a.Label(), b.Label(), a.measured_ms, b.measured_ms, jump};
  }
  for (const CalibrationPoint* p : fc) {
    const double e = std::abs(PredictMs(*p, model) / p->measured_ms - 1);
    if (e >= f.fc_worst.error) f.fc_worst = {p->Label(), e};
  }

  std::vector<double> mib, measured, predicted, excess;
  for (const CalibrationPoint* p : FileRows(points, "fc_2tpu_default_batch1.csv")) {
    if (p->segments.back().off_chip_bytes == 0) continue;
    const double pred = PredictMs(*p, model);
    Extend(&f.fc_streamed_b1, pred / p->measured_ms - 1);
    double streamed = 0;
    for (const SegmentPlacement& s : p->segments) streamed += static_cast<double>(s.off_chip_bytes);
    mib.push_back(streamed / kMiB);
    measured.push_back(p->measured_ms);
    predicted.push_back(pred);
    excess.push_back(p->measured_ms - pred);
  }
  f.fc_streamed_b1_measured_ms_per_mib = Slope(mib, measured);
  f.fc_streamed_b1_model_ms_per_mib = Slope(mib, predicted);
  f.fc_streamed_b1_median_excess_ms = Median(excess);

  std::vector<double> three, fewer, model_three;
  for (const CalibrationPoint* p : FileRows(points, "conv_1tpu.csv")) {
    const SegmentPlacement& seg = p->segments[0];
    const EdgeTpuSpec& spec = model.For(p->link);
    int streamed_layers = 0;
    double once_ns = 0;
    for (const LayerPlacement& l : seg.layers) {
      if (l.on_chip || l.weight_bytes == 0) continue;
      ++streamed_layers;
      once_ns += l.weight_bytes * 1e9 / spec.stream_link_bytes_per_s;
    }
    if (streamed_layers == 0) continue;
    const SegmentTiming t = EstimateSegmentTiming(seg, spec);
    const double weights_ns = t.stream_ns - spec.stream_setup_ns + t.restream_ns;
    const double other_ns = t.total_ns() - weights_ns;
    const double implied = (p->measured_ms * 1e6 - other_ns) / once_ns;
    if (streamed_layers >= 3) {
      three.push_back(implied);
      model_three.push_back(weights_ns / once_ns);
      Extend(&f.conv_three_streamed, PredictMs(*p, model) / p->measured_ms - 1);
    } else {
      fewer.push_back(implied);
    }
  }
  f.conv_passes_three_streamed = Median(three);
  f.conv_passes_fewer_streamed = Median(fewer);
  f.conv_model_passes_three_streamed = Median(model_three);

  const std::vector<const CalibrationPoint*> conv = FileRows(points, "conv_1tpu.csv");
  for (size_t i = 0; i + 1 < conv.size(); ++i) {
    const CalibrationPoint& a = *conv[i];
    const CalibrationPoint& b = *conv[i + 1];
    if (a.measured_ms <= b.measured_ms) continue;
    const double jump = (a.measured_ms - b.measured_ms) / b.measured_ms;
    if (jump > f.conv_inversion.relative_jump)
      f.conv_inversion = RowPair{true, a.Label(), b.Label(), a.measured_ms, b.measured_ms, jump};
  }
  return f;
}

}  // namespace segpipe
