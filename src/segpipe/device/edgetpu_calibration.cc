// Least-squares fit of the Edge TPU timing model and the paper host profile; the report.
#include "segpipe/device/edgetpu_calibration.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "segpipe/device/edgetpu_compiler.h"
#include "segpipe/device/pipeline_time.h"
#include "segpipe/synth/paper_models.h"

namespace segpipe {
namespace {

// The timing model is linear in these features once the tile budget is fixed:
// time_ns = sum_k feature[k] * coefficient[k].
// Activations and streamed weights cross the same host link: one coefficient (the single-TPU
// files cannot tell the two rates apart, their activation bytes grow like the conv output work).
constexpr int kNumFeatures = 7;
using Features = std::array<double, kNumFeatures>;
constexpr const char* kFeatureNames[kNumFeatures] = {
    "invocations", "bytes over the host link (activations + streamed weights x passes)",
    "conv padded output bytes", "invocations that stream", "FC padded weight bytes",
    "conv padded MACs", "conv layers"};

Features TimingFeatures(const SegmentPlacement& p, const EdgeTpuSpec& spec) {
  Features f{};
  f[0] = 1;
  f[1] = static_cast<double>(p.input_bytes + p.output_bytes);
  f[3] = p.off_chip_bytes > 0 ? 1 : 0;
  for (const LayerPlacement& layer : p.layers) {
    const bool conv_like =
        layer.kind == LayerKind::kConv2D || layer.kind == LayerKind::kDepthwiseConv2D;
    if (layer.kind == LayerKind::kFullyConnected) f[4] += static_cast<double>(layer.padded_macs);
    if (layer.kind == LayerKind::kConv2D) {
      f[5] += static_cast<double>(layer.padded_macs);
      f[2] += static_cast<double>(layer.padded_output_bytes);
    }
    if (layer.kind == LayerKind::kDepthwiseConv2D)
      f[5] += static_cast<double>(layer.padded_macs) * spec.array_rows;
    if (conv_like) f[6] += 1;
    if (layer.on_chip || layer.weight_bytes == 0) continue;
    int64_t passes = 1;
    if (conv_like) {
      const int64_t budget = std::max<int64_t>(1, spec.restream_tile_budget_bytes);
      passes = std::max<int64_t>(
          1, (layer.input_activation_bytes + layer.output_activation_bytes + budget - 1) / budget);
    }
    f[1] += static_cast<double>(layer.weight_bytes * passes);
  }
  return f;
}

Features Coefficients(const EdgeTpuSpec& s) {
  return {s.invoke_overhead_ns,
          1e9 / s.stream_link_bytes_per_s,
          1e9 / (s.conv_output_bytes_per_cycle * s.clock_hz),
          s.stream_setup_ns,
          1e9 / (s.fc_weight_bytes_per_cycle * s.clock_hz),
          1e9 / (static_cast<double>(s.array_rows) * s.array_cols * s.clock_hz * s.conv_array_efficiency),
          s.conv_layer_overhead_ns};
}

EdgeTpuSpec WithCoefficients(EdgeTpuSpec s, const Features& c) {
  s.invoke_overhead_ns = c[0];
  s.activation_link_bytes_per_s = 1e9 / c[1];
  s.stream_link_bytes_per_s = 1e9 / c[1];
  s.conv_output_bytes_per_cycle = 1e9 / (c[2] * s.clock_hz);
  s.stream_setup_ns = c[3];
  s.fc_weight_bytes_per_cycle = 1e9 / (c[4] * s.clock_hz);
  s.conv_array_efficiency = 1e9 / (c[5] * static_cast<double>(s.array_rows) * s.array_cols * s.clock_hz);
  s.conv_layer_overhead_ns = c[6];
  return s;
}

// Solves min ||A x - b||^2 through the normal equations with column scaling and partial
// pivoting. Returns false when the system is singular.
template <size_t N>
bool SolveLeastSquares(const std::vector<std::array<double, N>>& a, const std::vector<double>& b,
                       std::array<double, N>* x) {
  std::array<double, N> scale{};
  for (const auto& row : a)
    for (size_t j = 0; j < N; ++j) scale[j] = std::max(scale[j], std::abs(row[j]));
  for (double& s : scale)
    if (s == 0) return false;
  std::array<std::array<double, N + 1>, N> m{};
  for (size_t r = 0; r < a.size(); ++r)
    for (size_t i = 0; i < N; ++i) {
      for (size_t j = 0; j < N; ++j) m[i][j] += a[r][i] / scale[i] * a[r][j] / scale[j];
      m[i][N] += a[r][i] / scale[i] * b[r];
    }
  for (size_t col = 0; col < N; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < N; ++r)
      if (std::abs(m[r][col]) > std::abs(m[pivot][col])) pivot = r;
    if (std::abs(m[pivot][col]) < 1e-12) return false;
    std::swap(m[col], m[pivot]);
    for (size_t r = 0; r < N; ++r) {
      if (r == col) continue;
      const double f = m[r][col] / m[col][col];
      for (size_t j = col; j <= N; ++j) m[r][j] -= f * m[col][j];
    }
  }
  for (size_t i = 0; i < N; ++i) (*x)[i] = m[i][N] / m[i][i] / scale[i];
  return true;
}

}  // namespace

std::vector<std::string> TimingFeatureNames() {
  return std::vector<std::string>(std::begin(kFeatureNames), std::end(kFeatureNames));
}

std::vector<double> TimingFeatureValues(const SegmentPlacement& placement,
                                        const EdgeTpuSpec& spec) {
  const Features f = TimingFeatures(placement, spec);
  return {f.begin(), f.end()};
}

std::vector<double> TimingCoefficients(const EdgeTpuSpec& spec) {
  const Features c = Coefficients(spec);
  return {c.begin(), c.end()};
}

StatusOr<std::vector<CalibrationPoint>> BuildCalibrationPoints(
    const std::vector<PaperMeasurement>& files, const EdgeTpuSpec& spec) {
  const SplitSpec split{SplitKind::kUniform, {}};
  std::vector<CalibrationPoint> points;
  for (const PaperMeasurement& file : files) {
    for (const PaperRow& row : file.rows) {
      StatusOr<synth::SynthModel> synth = Status(InternalError("unset"));
      if (file.family == PaperFamily::kFc) {
        synth::FcConfig c;
        c.hidden = row.size;
        c.calibration_inputs = 0;
        synth = synth::SynthesizeFc(c);
      } else {
        synth::ConvConfig c;
        c.filters = row.size;
        c.calibration_inputs = 0;
        synth = synth::SynthesizeConv(c);
      }
      if (!synth.ok()) return synth.status();
      SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation compiled,
                               CompileForEdgeTpu(synth->model, file.num_tpus, split, spec));
      CalibrationPoint point;
      point.file = file.file;
      point.family = file.family;
      point.size = row.size;
      point.num_tpus = file.num_tpus;
      point.batch = file.batch;
      point.measured_ms = row.time_ms;
      point.measured_on_chip_mib = row.on_chip_mib;
      point.measured_off_chip_mib = row.off_chip_mib;
      for (const CompiledSegment& seg : compiled.segments) point.segments.push_back(seg.placement);
      points.push_back(std::move(point));
    }
  }
  return points;
}

double PredictMs(const CalibrationPoint& point, const EdgeTpuSpec& spec, const HostProfile& host) {
  std::vector<PipelineStageTime> stages;
  for (const SegmentPlacement& p : point.segments) {
    const double device_ns = EstimateSegmentTiming(p, spec).total_ns();
    if (point.num_tpus == 1) return device_ns * 1e-6;
    stages.push_back({.time = StageTimeNs(device_ns, host)});
  }
  return EstimatePipelineTime(stages, HostOverheadsNs(host)).BatchWall(point.batch) / point.batch *
         1e-6;
}

StatusOr<CalibrationResult> FitEdgeTpuModel(const std::vector<CalibrationPoint>& points,
                                            const EdgeTpuSpec& start) {
  CalibrationResult best;
  best.device_rms_relative_error = INFINITY;
  // Tile budgets from 1/4 MiB to 4 MiB in 1/64 MiB steps.
  for (int64_t budget = kMiB / 4; budget <= 4 * kMiB; budget += kMiB / 64) {
    EdgeTpuSpec spec = start;
    spec.restream_tile_budget_bytes = budget;
    std::vector<Features> rows;
    std::vector<double> targets;
    for (const CalibrationPoint& p : points) {
      if (p.num_tpus != 1) continue;
      Features f = TimingFeatures(p.segments[0], spec);
      for (double& v : f) v /= p.measured_ms * 1e6;  // relative error weighting
      rows.push_back(f);
      targets.push_back(1.0);
    }
    Features c{};
    if (!SolveLeastSquares(rows, targets, &c)) continue;
    if (*std::min_element(c.begin(), c.end()) <= 0) continue;  // unphysical
    ++best.tile_budget_grid_points;
    double sum_sq = 0;
    for (size_t r = 0; r < rows.size(); ++r) {
      double pred = 0;
      for (int k = 0; k < kNumFeatures; ++k) pred += rows[r][k] * c[k];
      sum_sq += (pred - 1) * (pred - 1);
    }
    const double rms = std::sqrt(sum_sq / static_cast<double>(rows.size()));
    if (rms < best.device_rms_relative_error) {
      best.device_rms_relative_error = rms;
      best.spec = WithCoefficients(spec, c);
    }
  }
  if (best.tile_budget_grid_points == 0)
    return FailedPreconditionError(
        "calibration: no physical fit (too few single-TPU points or a degenerate set)");

  // Host: with every weight on chip the stages are shorter than the serialized host work, so
  // wall = startup + sum(device) + S * B * host_per_stage.
  std::vector<std::array<double, 2>> rows;
  std::vector<double> targets;
  for (const CalibrationPoint& p : points) {
    if (p.num_tpus < 2) continue;
    bool on_chip = true;
    double device_ns = 0;
    for (const SegmentPlacement& s : p.segments) {
      on_chip &= s.off_chip_bytes == 0;
      device_ns += EstimateSegmentTiming(s, best.spec).total_ns();
    }
    if (!on_chip) continue;
    const double wall_ns = p.measured_ms * 1e6 * p.batch;
    rows.push_back({1.0 / wall_ns, static_cast<double>(p.num_tpus) * p.batch / wall_ns});
    targets.push_back((wall_ns - device_ns) / wall_ns);
  }
  std::array<double, 2> h{};
  best.paper_host = PaperHostProfile();
  if (rows.size() >= 2 && SolveLeastSquares(rows, targets, &h) && h[1] > 0) {
    best.paper_host.startup_ns = std::max(0.0, h[0]);
    best.paper_host.per_stage_host_ns = h[1];
  }
  return best;
}

}  // namespace segpipe
