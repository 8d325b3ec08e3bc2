// Least-squares fit of the Edge TPU timing model and the paper host profile; cross-validation.
#include "segpipe/paper/internal/edgetpu_calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "segpipe/core/internal/statistics.h"
#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/device/internal/pipeline_time.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/synth/internal/zoo_models.h"

namespace segpipe {
namespace {

// The timing model is linear in TimingFeature coefficients once the tile budget is fixed.
using Features = std::array<double, kNumTimingFeatures>;
constexpr const char* kFeatureNames[kNumTimingFeatures] = {
    "invocations (PCIe)",
    "activation bytes over PCIe",
    "streamed weight bytes x passes over PCIe",
    "conv padded output bytes",
    "invocations that stream",
    "FC padded weight bytes",
    "conv padded MACs",
    "conv layers",
    "vector-unit bytes",
    "invocations (USB)",
    "bytes over USB (activations + streamed weights x passes)"};

Features TimingFeatures(const SegmentPlacement& p, const EdgeTpuSpec& spec, EdgeTpuLink link) {
  const bool usb = link == EdgeTpuLink::kUsb;
  Features f{};
  f[usb ? kFeatureInvokeUsb : kFeatureInvokePcie] = 1;
  // The output transfer overlaps the last layer (EstimateSegmentTiming): with `spec`'s
  // coefficients, whichever of the two is longer is the one the segment pays.
  const bool overlap = spec.output_overlaps_last_layer;
  const bool output_longer = !overlap || EstimateSegmentTiming(p, spec).output_transfer_ns > 0;
  f[usb ? kFeatureLinkUsb : kFeatureActivationPcie] =
      static_cast<double>(p.input_bytes + (output_longer ? p.output_bytes : 0));
  f[kFeatureStreamSetup] = p.off_chip_bytes > 0 ? 1 : 0;
  for (size_t i = 0; i < p.layers.size(); ++i) {
    const LayerPlacement& layer = p.layers[i];
    const bool conv_like =
        layer.kind == LayerKind::kConv2D || layer.kind == LayerKind::kDepthwiseConv2D;
    const bool hidden = overlap && output_longer && i + 1 == p.layers.size();
    if (!hidden && layer.kind == LayerKind::kFullyConnected)
      f[kFeatureFcWeights] += static_cast<double>(layer.padded_macs);
    if (!hidden && conv_like) {
      f[kFeatureConvMacs] += static_cast<double>(layer.padded_macs);
      f[kFeatureConvOutput] += static_cast<double>(layer.padded_output_bytes);
      f[kFeatureConvLayers] += 1;
    }
    if (!hidden) f[kFeatureVector] += static_cast<double>(layer.vector_bytes);
    if (layer.on_chip || layer.weight_bytes == 0) continue;
    f[usb ? kFeatureLinkUsb : kFeatureStreamPcie] +=
        static_cast<double>(layer.weight_bytes) * StreamedWeightPasses(layer, spec);
  }
  return f;
}

Features Coefficients(const EdgeTpuSpec& s, const EdgeTpuSpec& usb) {
  const double ns_per_cycle = 1e9 / s.clock_hz;
  Features c{};
  c[kFeatureInvokePcie] = s.invoke_overhead_ns;
  c[kFeatureActivationPcie] = 1e9 / s.activation_link_bytes_per_s;
  c[kFeatureStreamPcie] = 1e9 / s.stream_link_bytes_per_s;
  c[kFeatureConvOutput] = ns_per_cycle / s.conv_output_bytes_per_cycle;
  c[kFeatureStreamSetup] = s.stream_setup_ns;
  c[kFeatureFcWeights] = ns_per_cycle / s.fc_weight_bytes_per_cycle;
  c[kFeatureConvMacs] =
      ns_per_cycle / (static_cast<double>(s.array_rows) * s.array_cols * s.conv_array_efficiency);
  c[kFeatureConvLayers] = s.conv_layer_overhead_ns;
  c[kFeatureVector] = ns_per_cycle / s.vector_bytes_per_cycle;
  c[kFeatureInvokeUsb] = usb.invoke_overhead_ns;
  c[kFeatureLinkUsb] = 1e9 / usb.stream_link_bytes_per_s;
  return c;
}

// The PCIe and USB specs the coefficients stand for (array parameters shared).
std::pair<EdgeTpuSpec, EdgeTpuSpec> WithCoefficients(EdgeTpuSpec s, const Features& c) {
  const double ns_per_cycle = 1e9 / s.clock_hz;
  s.invoke_overhead_ns = c[kFeatureInvokePcie];
  s.activation_link_bytes_per_s = 1e9 / c[kFeatureActivationPcie];
  s.stream_link_bytes_per_s = 1e9 / c[kFeatureStreamPcie];
  s.conv_output_bytes_per_cycle = ns_per_cycle / c[kFeatureConvOutput];
  s.stream_setup_ns = c[kFeatureStreamSetup];
  s.fc_weight_bytes_per_cycle = ns_per_cycle / c[kFeatureFcWeights];
  s.conv_array_efficiency =
      ns_per_cycle / (c[kFeatureConvMacs] * static_cast<double>(s.array_rows) * s.array_cols);
  s.conv_layer_overhead_ns = c[kFeatureConvLayers];
  s.vector_bytes_per_cycle = ns_per_cycle / c[kFeatureVector];
  EdgeTpuSpec usb = s;
  usb.invoke_overhead_ns = c[kFeatureInvokeUsb];
  usb.activation_link_bytes_per_s = 1e9 / c[kFeatureLinkUsb];
  usb.stream_link_bytes_per_s = 1e9 / c[kFeatureLinkUsb];
  return {s, usb};
}

// Solves min ||A x - b||^2 through the normal equations with column scaling and partial
// pivoting. Returns false when the system is singular.
bool SolveLeastSquares(const std::vector<std::vector<double>>& a, const std::vector<double>& b,
                       std::vector<double>* x) {
  constexpr size_t kMaxUnknowns = 64;
  if (a.empty() || a[0].empty() || a[0].size() > kMaxUnknowns) return false;
  const size_t n = a[0].size();
  std::vector<double> scale(n, 0);
  for (const auto& row : a)
    for (size_t j = 0; j < n; ++j) scale[j] = std::max(scale[j], std::abs(row[j]));
  for (double s : scale)
    if (s == 0) return false;
  std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0));
  for (size_t r = 0; r < a.size(); ++r)
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) m[i][j] += a[r][i] / scale[i] * a[r][j] / scale[j];
      m[i][n] += a[r][i] / scale[i] * b[r];
    }
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r)
      if (std::abs(m[r][col]) > std::abs(m[pivot][col])) pivot = r;
    if (std::abs(m[pivot][col]) < 1e-12) return false;
    std::swap(m[col], m[pivot]);
    for (size_t r = 0; r < n; ++r) {
      if (r == col) continue;
      const double f = m[r][col] / m[col][col];
      for (size_t j = col; j <= n; ++j) m[r][j] -= f * m[col][j];
    }
  }
  x->assign(n, 0);
  for (size_t i = 0; i < n; ++i) (*x)[i] = m[i][n] / m[i][i] / scale[i];
  return true;
}

// Coefficients that are a fixed cost in ns (may be 0), not the inverse of a rate.
bool IsFixedCost(int feature) {
  return feature == kFeatureInvokePcie || feature == kFeatureStreamSetup ||
         feature == kFeatureConvLayers || feature == kFeatureInvokeUsb ||
         feature == kFeatureVector || feature == kFeatureConvOutput;
}

// Rows that fit the device (single TPU, published rows, CONV pipelines) and rows that fit the
// paper host profile (FC pipelines: their period is the host's serialized work).
bool FitsHost(const CalibrationPoint& p) { return p.num_tpus > 1 && p.family == PaperFamily::kFc; }

std::string GroupOf(const CalibrationPoint& p) {
  return p.published ? std::string(kPublishedTable) : p.file;
}

// One point as a linear row: measured_ns = constant_ns + sum_k features[k] * c[k]. A pipeline's
// wall time is linear in the device coefficients once the stage that sets the period is known
// (taken from `current`).
struct LinearRow {
  Features features{};
  double constant_ns = 0;
};

LinearRow Linearize(const CalibrationPoint& p, const EdgeTpuSpec& budget_spec,
                    const CalibrationResult& current) {
  LinearRow row;
  const EdgeTpuSpec& spec = current.For(p.link);
  // The current coefficients of the point's link with the grid's tile budget: they decide which
  // of a segment's output transfer and last layer is the longer.
  EdgeTpuSpec link_budget_spec = spec;
  link_budget_spec.restream_tile_budget_bytes = budget_spec.restream_tile_budget_bytes;
  if (p.num_tpus == 1) {
    row.features = TimingFeatures(p.segments[0], link_budget_spec, p.link);
    return row;
  }
  std::vector<double> stage_ns;
  std::vector<Features> stage_features;
  for (const SegmentPlacement& s : p.segments) {
    stage_ns.push_back(EstimateSegmentTiming(s, spec).total_ns());
    stage_features.push_back(TimingFeatures(s, link_budget_spec, p.link));
  }
  const HostProfile& h = current.paper_host;
  std::vector<PipelineStageTime> stages;
  for (double ns : stage_ns) stages.push_back({.time = StageTimeNs(ns, h)});
  const PipelineTime time = EstimatePipelineTime(stages, HostOverheadsNs(h));
  const double wall_ns = time.BatchWall(p.batch);
  // Which term sets the period: the slowest stage, or (serialized) the host floor.
  size_t slowest = 0;
  for (size_t i = 1; i < stage_ns.size(); ++i)
    if (stage_ns[i] > stage_ns[slowest]) slowest = i;
  const bool stage_bound = stages[slowest].time >= time.period;
  double device_ns = 0;
  for (size_t i = 0; i < stage_ns.size(); ++i) {
    device_ns += stage_ns[i];
    for (int k = 0; k < kNumTimingFeatures; ++k) row.features[k] += stage_features[i][k];
  }
  if (stage_bound) {
    device_ns += (p.batch - 1) * stage_ns[slowest];
    for (int k = 0; k < kNumTimingFeatures; ++k)
      row.features[k] += (p.batch - 1) * stage_features[slowest][k];
  }
  row.constant_ns = wall_ns - device_ns;
  // Per inference, as measured.
  for (double& v : row.features) v /= p.batch;
  row.constant_ns /= p.batch;
  return row;
}

struct DeviceFit {
  bool ok = false;
  CalibrationResult result;
  double rms = INFINITY;
  int grid_points = 0;
  std::vector<std::string> held;
  std::vector<std::string> at_zero;
};

// One weighted least-squares fit of the device coefficients for every tile budget of the grid;
// the budget with the lowest weighted RMS relative error wins. Each source (paper file, or the
// published table) carries the same total weight, so four published rows count as much as the
// 68 rows of a paper file.
DeviceFit FitDevice(const std::vector<const CalibrationPoint*>& points,
                    const CalibrationResult& current, const FitOptions& options) {
  std::map<std::string, int> group_rows;
  for (const CalibrationPoint* p : points) ++group_rows[GroupOf(*p)];
  const Features start = Coefficients(current.spec, current.usb_spec);
  DeviceFit best;
  // Tile budgets from 1/4 MiB to 4 MiB in 1/64 MiB steps.
  for (int64_t budget = kMiB / 4; budget <= 4 * kMiB; budget += kMiB / 64) {
    EdgeTpuSpec budget_spec = current.spec;
    budget_spec.restream_tile_budget_bytes = budget;
    std::vector<LinearRow> rows;
    std::vector<double> weights, measured;
    for (const CalibrationPoint* p : points) {
      rows.push_back(Linearize(*p, budget_spec, current));
      weights.push_back(1.0 / std::sqrt(static_cast<double>(group_rows[GroupOf(*p)])));
      measured.push_back(p->measured_ms * 1e6);
    }
    if (options.tie_activation_link)
      for (LinearRow& r : rows) {
        r.features[kFeatureStreamPcie] += r.features[kFeatureActivationPcie];
        r.features[kFeatureActivationPcie] = 0;
      }
    // Free coefficients: those some row exercises. The others keep their starting value.
    std::vector<int> free;
    std::vector<std::string> held;
    for (int k = 0; k < kNumTimingFeatures; ++k) {
      bool used = false;
      for (const LinearRow& r : rows) used |= r.features[k] != 0;
      if (used)
        free.push_back(k);
      else if (!(options.tie_activation_link && k == kFeatureActivationPcie))
        held.push_back(kFeatureNames[k]);
    }
    std::vector<std::vector<double>> a;
    std::vector<double> b;
    for (size_t r = 0; r < rows.size(); ++r) {
      double known_ns = rows[r].constant_ns;
      for (int k = 0; k < kNumTimingFeatures; ++k)
        if (std::find(free.begin(), free.end(), k) == free.end() &&
            !(options.tie_activation_link && k == kFeatureActivationPcie))
          known_ns += rows[r].features[k] * start[k];
      std::vector<double> row;
      for (int k : free) row.push_back(rows[r].features[k] * weights[r] / measured[r]);
      a.push_back(std::move(row));
      b.push_back((measured[r] - known_ns) * weights[r] / measured[r]);
    }
    // A fixed cost (invoke, stream setup, per-layer overhead) may come out at its bound, 0: a
    // negative one is dropped and the rest refitted (active set). A rate must be positive.
    std::vector<double> x(free.size(), 0);
    std::vector<bool> at_zero(free.size(), false);
    bool solved = false;
    while (true) {
      std::vector<size_t> cols;
      for (size_t i = 0; i < free.size(); ++i)
        if (!at_zero[i]) cols.push_back(i);
      std::vector<std::vector<double>> reduced;
      for (const auto& row : a) {
        std::vector<double> r;
        for (size_t i : cols) r.push_back(row[i]);
        reduced.push_back(std::move(r));
      }
      std::vector<double> y;
      if (!SolveLeastSquares(reduced, b, &y)) break;
      std::fill(x.begin(), x.end(), 0);
      for (size_t i = 0; i < cols.size(); ++i) x[cols[i]] = y[i];
      int most_negative = -1;
      bool rate_not_positive = false;
      for (size_t i : cols) {
        if (IsFixedCost(free[i])) {
          if (x[i] < 0 && (most_negative < 0 || x[i] < x[static_cast<size_t>(most_negative)]))
            most_negative = static_cast<int>(i);
        } else if (x[i] <= 0) {
          rate_not_positive = true;
        }
      }
      if (most_negative >= 0) {
        at_zero[static_cast<size_t>(most_negative)] = true;
        continue;
      }
      solved = !rate_not_positive;
      break;
    }
    if (!solved) continue;  // unphysical
    std::vector<std::string> bounded;
    for (size_t i = 0; i < free.size(); ++i)
      if (at_zero[i]) bounded.push_back(kFeatureNames[free[i]]);
    ++best.grid_points;
    Features c = start;
    for (size_t i = 0; i < free.size(); ++i) c[free[i]] = x[i];
    if (options.tie_activation_link) c[kFeatureActivationPcie] = c[kFeatureStreamPcie];
    double sum_sq = 0, sum_w = 0;
    for (size_t r = 0; r < rows.size(); ++r) {
      double pred = rows[r].constant_ns;
      for (int k = 0; k < kNumTimingFeatures; ++k) pred += rows[r].features[k] * c[k];
      const double e = (pred - measured[r]) / measured[r];
      sum_sq += weights[r] * weights[r] * e * e;
      sum_w += weights[r] * weights[r];
    }
    const double rms = std::sqrt(sum_sq / sum_w);
    if (rms < best.rms) {
      best.ok = true;
      best.rms = rms;
      best.result = current;
      std::tie(best.result.spec, best.result.usb_spec) = WithCoefficients(budget_spec, c);
      best.held = held;
      best.at_zero = bounded;
    }
  }
  return best;
}

// The paper host profile from the FC 2-TPU rows with every weight on chip: there the stages
// are shorter than the serialized host work, so wall = startup + sum(device) + S * B * host.
bool FitHost(const std::vector<const CalibrationPoint*>& points, CalibrationResult* model) {
  std::vector<std::vector<double>> rows;
  std::vector<double> targets;
  for (const CalibrationPoint* p : points) {
    bool on_chip = true;
    double device_ns = 0;
    for (const SegmentPlacement& s : p->segments) {
      on_chip &= s.off_chip_bytes == 0;
      device_ns += EstimateSegmentTiming(s, model->For(p->link)).total_ns();
    }
    if (!on_chip) continue;
    const double wall_ns = p->measured_ms * 1e6 * p->batch;
    rows.push_back({1.0 / wall_ns, static_cast<double>(p->num_tpus) * p->batch / wall_ns});
    targets.push_back((wall_ns - device_ns) / wall_ns);
  }
  std::vector<double> h;
  if (rows.size() < 2 || !SolveLeastSquares(rows, targets, &h) || h[1] <= 0) return false;
  model->paper_host.startup_ns = std::max(0.0, h[0]);
  model->paper_host.per_stage_host_ns = h[1];
  return true;
}

}  // namespace

std::string CalibrationPoint::Label() const {
  if (published) return model_name;
  return fmt::format("{} = {}", family == PaperFamily::kFc ? "n" : "f", size);
}

const std::vector<PublishedRow>& PublishedFitRows() {
  // Coral's Edge TPU benchmark table, "Desktop CPU + USB Accelerator (USB 3.0)" column, ms per
  // inference: the four rows the fit may use.
  static const std::vector<PublishedRow> rows = {
      {"MobileNet v1 224", "mobilenet_v1", 224, 2.4},
      {"Inception v1 224", "inception_v1", 224, 3.4},
      {"ResNet-50 V1 299", "resnet50_v1", 299, 49},
      {"VGG16 224", "vgg16", 224, 296},
  };
  return rows;
}

std::vector<std::string> TimingFeatureNames() {
  return std::vector<std::string>(std::begin(kFeatureNames), std::end(kFeatureNames));
}

std::vector<double> TimingFeatureValues(const SegmentPlacement& placement, const EdgeTpuSpec& spec,
                                        EdgeTpuLink link) {
  const Features f = TimingFeatures(placement, spec, link);
  return {f.begin(), f.end()};
}

std::vector<double> TimingCoefficients(const EdgeTpuSpec& pcie, const EdgeTpuSpec& usb) {
  const Features c = Coefficients(pcie, usb);
  return {c.begin(), c.end()};
}

CalibrationResult DefaultCalibration() {
  CalibrationResult r;
  r.spec = EdgeTpuSpecFor(EdgeTpuLink::kPcie);
  r.usb_spec = EdgeTpuSpecFor(EdgeTpuLink::kUsb);
  r.paper_host = PaperHostProfile();
  return r;
}

StatusOr<std::vector<CalibrationPoint>> BuildCalibrationPoints(
    const std::vector<PaperMeasurement>& files, const EdgeTpuSpec& spec) {
  std::vector<CalibrationPoint> points;
  for (const PaperMeasurement& file : files) {
    // The paper's splits: FC by hand, CONV by the compiler's parameter balance.
    const SplitSpec split{
        file.family == PaperFamily::kFc ? SplitKind::kUniform : SplitKind::kParams, {}};
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

StatusOr<CalibrationPoint> BuildPublishedPoint(const PublishedRow& row, const Model& model,
                                               const EdgeTpuSpec& spec) {
  SEGPIPE_ASSIGN_OR_RETURN(SegmentPlacement placement,
                           PlaceSegment(model, 0, static_cast<int>(model.ops.size()) - 1, spec));
  CalibrationPoint point;
  point.file = kPublishedTable;
  point.family = PaperFamily::kConv;
  point.model_name = row.name;
  point.published = true;
  point.link = EdgeTpuLink::kUsb;
  point.measured_ms = row.ms;
  point.segments.push_back(std::move(placement));
  return point;
}

StatusOr<std::vector<CalibrationPoint>> BuildPublishedPoints(const EdgeTpuSpec& spec) {
  std::vector<CalibrationPoint> points;
  for (const PublishedRow& row : PublishedFitRows()) {
    synth::ZooConfig config;
    config.name = row.zoo_name;
    config.input_size = row.input_size;
    config.calibration_inputs = 0;  // placement and timing depend on shapes only
    SEGPIPE_ASSIGN_OR_RETURN(synth::ZooModel zoo, synth::SynthesizeZoo(config));
    SEGPIPE_ASSIGN_OR_RETURN(CalibrationPoint point, BuildPublishedPoint(row, zoo.model, spec));
    points.push_back(std::move(point));
  }
  return points;
}

double PredictMs(const CalibrationPoint& point, const CalibrationResult& model) {
  std::vector<PipelineStageTime> stages;
  for (const SegmentPlacement& p : point.segments) {
    const double device_ns = EstimateSegmentTiming(p, model.For(point.link)).total_ns();
    if (point.num_tpus == 1) return device_ns * 1e-6;
    stages.push_back({.time = StageTimeNs(device_ns, model.paper_host)});
  }
  return EstimatePipelineTime(stages, HostOverheadsNs(model.paper_host)).BatchWall(point.batch) /
         point.batch * 1e-6;
}

StatusOr<CalibrationResult> FitEdgeTpuModel(const std::vector<CalibrationPoint>& points,
                                            const CalibrationResult& start,
                                            const FitOptions& options) {
  std::vector<const CalibrationPoint*> device_points, host_points;
  for (const CalibrationPoint& p : points)
    (FitsHost(p) ? host_points : device_points).push_back(&p);
  CalibrationResult current = start;
  DeviceFit fit;
  // The CONV pipeline's time depends on the host profile and the host fit on the device: a few
  // alternations settle both (the period-setting stage is re-chosen each time).
  constexpr int kAlternations = 4;
  for (int i = 0; i < kAlternations; ++i) {
    fit = FitDevice(device_points, current, options);
    if (!fit.ok)
      return FailedPreconditionError(
          "calibration: no physical fit (too few device rows or a degenerate set)");
    current = fit.result;
    if (!FitHost(host_points, &current))
      return FailedPreconditionError(
          "calibration: the paper host profile needs FC 2-TPU rows with every weight on chip at "
          "two batch sizes");
  }
  current.device_rms_relative_error = fit.rms;
  current.tile_budget_grid_points = fit.grid_points;
  current.held_coefficients = fit.held;
  current.zero_coefficients = fit.at_zero;
  return current;
}

std::vector<CrossValidationRow> CrossValidate(const std::vector<CalibrationPoint>& points,
                                              const CalibrationResult& start) {
  std::vector<std::string> groups;
  for (const CalibrationPoint& p : points) {
    const std::string g = p.published ? p.model_name : p.file;
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
  }
  StatusOr<CalibrationResult> all = FitEdgeTpuModel(points, start);
  // Coefficients a set of rows determines: those whose term is at least 1% of some row's time
  // under the fit on every row, among the rows the device is fitted on (a term far below the noise
  // of every row it appears in tells the fit nothing).
  constexpr double kDeterminingShare = 0.01;
  auto determined = [&](const std::vector<const CalibrationPoint*>& rows) {
    std::array<bool, kNumTimingFeatures> out{};
    if (!all.ok()) return out;
    const Features c = Coefficients(all->spec, all->usb_spec);
    for (const CalibrationPoint* p : rows) {
      if (FitsHost(*p)) continue;  // the device fit does not see these rows
      for (const SegmentPlacement& seg : p->segments) {
        const Features f = TimingFeatures(seg, all->For(p->link), p->link);
        double total = 0;
        for (int k = 0; k < kNumTimingFeatures; ++k) total += f[k] * c[k];
        for (int k = 0; k < kNumTimingFeatures; ++k)
          if (f[k] * c[k] >= kDeterminingShare * total && f[k] * c[k] > 0) out[k] = true;
      }
    }
    return out;
  };
  std::vector<CrossValidationRow> out;
  for (const std::string& g : groups) {
    std::vector<CalibrationPoint> rest, held;
    std::vector<const CalibrationPoint*> rest_rows;
    for (const CalibrationPoint& p : points)
      ((p.published ? p.model_name : p.file) == g ? held : rest).push_back(p);
    for (const CalibrationPoint& p : rest) rest_rows.push_back(&p);
    std::vector<const CalibrationPoint*> held_rows;
    for (const CalibrationPoint& p : held) held_rows.push_back(&p);
    CrossValidationRow row;
    row.held_out = g;
    row.rows = static_cast<int>(held.size());
    const auto by_rest = determined(rest_rows);
    const auto by_held = determined(held_rows);
    for (int k = 0; k < kNumTimingFeatures; ++k)
      if (by_held[k] && !by_rest[k])
        row.undetermined += (row.undetermined.empty() ? "" : ", ") + std::string(kFeatureNames[k]);
    StatusOr<CalibrationResult> fit = FitEdgeTpuModel(rest, start);
    if (!fit.ok()) {
      row.why = std::string(fit.status().message());
      out.push_back(std::move(row));
      continue;
    }
    row.fitted = true;
    std::vector<double> errors;
    for (const CalibrationPoint& p : held)
      errors.push_back(std::abs(PredictMs(p, *fit) - p.measured_ms) / p.measured_ms);
    row.median_abs_relative_error = Median(errors);
    row.worst_abs_relative_error = *std::max_element(errors.begin(), errors.end());
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace segpipe
