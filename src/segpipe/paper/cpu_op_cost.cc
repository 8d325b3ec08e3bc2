// The CPU-op cost fit and its report section; see cpu_op_cost.h.
#include "segpipe/paper/internal/cpu_op_cost.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include "segpipe/synth/internal/paper_models.h"

namespace segpipe {
namespace {

constexpr std::array<std::pair<const char*, PaperFamily>, 2> kCpuFiles = {
    {{"fc_cpu_1thread.csv", PaperFamily::kFc}, {"conv_cpu_1thread.csv", PaperFamily::kConv}}};

std::string MeasuredDir(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return dir;
#ifdef SEGPIPE_SHARED_DIR
  // Tests regenerate the report from the build tree, where the relative default does not
  // resolve; the checkout's shared data is the same directory.
  const std::string built_in = std::string(SEGPIPE_SHARED_DIR) + "/paper/measured";
  if (dir == kPaperMeasuredDir && std::filesystem::is_directory(built_in, ec)) return built_in;
#endif
  return dir;
}

constexpr int kCoefficients = 4;
using Vec = std::array<double, kCoefficients>;

Vec Features(const CpuOpCostPoint& p) {
  return {static_cast<double>(p.macs), static_cast<double>(p.weight_bytes),
          static_cast<double>(p.output_bytes), static_cast<double>(p.num_ops)};
}

CpuOpCostModel FromCoefficients(const Vec& c) {
  return {.ns_per_mac = c[0], .ns_per_weight_byte = c[1], .ns_per_output_byte = c[2],
          .ns_per_op = c[3]};
}

// Least squares on relative error over the coefficients in `free` (others 0): each row divided
// by its measured time, normal equations solved by Gaussian elimination with partial pivoting.
bool SolveRelative(const std::vector<CpuOpCostPoint>& points,
                   const std::array<bool, kCoefficients>& free, Vec* out) {
  std::vector<int> idx;
  for (int k = 0; k < kCoefficients; ++k)
    if (free[static_cast<size_t>(k)]) idx.push_back(k);
  const size_t n = idx.size();
  std::vector<std::vector<double>> a(n, std::vector<double>(n + 1, 0));
  for (const CpuOpCostPoint& p : points) {
    const double y = p.measured_ms * 1e6;
    const Vec f = Features(p);
    for (size_t i = 0; i < n; ++i) {
      const double xi = f[static_cast<size_t>(idx[i])] / y;
      for (size_t j = 0; j < n; ++j) a[i][j] += xi * f[static_cast<size_t>(idx[j])] / y;
      a[i][n] += xi;  // target y / y = 1
    }
  }
  for (size_t c = 0; c < n; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    if (std::abs(a[pivot][c]) < 1e-300) return false;
    std::swap(a[c], a[pivot]);
    for (size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double m = a[r][c] / a[c][c];
      for (size_t k = c; k <= n; ++k) a[r][k] -= m * a[c][k];
    }
  }
  *out = {};
  for (size_t i = 0; i < n; ++i) (*out)[static_cast<size_t>(idx[i])] = a[i][n] / a[i][i];
  return true;
}

}  // namespace

StatusOr<std::vector<CpuOpCostPoint>> BuildCpuOpCostPoints(const std::string& measured_dir) {
  const std::string dir = MeasuredDir(measured_dir);
  std::vector<CpuOpCostPoint> points;
  for (const auto& [file, family] : kCpuFiles) {
    SEGPIPE_ASSIGN_OR_RETURN(std::vector<PaperRow> rows, ReadPaperCsv(dir + "/" + file));
    for (const PaperRow& row : rows) {
      StatusOr<synth::SynthModel> synth = Status(InternalError("unset"));
      if (family == PaperFamily::kFc) {
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
      if (!synth.ok())
        return InvalidArgumentError(
            fmt::format("{}: row {}: {}", file, row.size, synth.status().message()));
      CpuOpCostPoint p;
      p.family = family;
      p.size = row.size;
      p.measured_ms = row.time_ms;
      for (const Op& op : synth->model.ops) {
        const OpCost cost = ComputeOpCost(synth->model, op);
        p.macs += cost.macs;
        p.weight_bytes += cost.weight_bytes;
        p.output_bytes += cost.output_bytes;
        ++p.num_ops;
      }
      if (!(p.measured_ms > 0))
        return DataLossError(fmt::format("{}: row {}: time must be positive", file, row.size));
      points.push_back(p);
    }
  }
  return points;
}

double PredictCpuMs(const CpuOpCostPoint& point, const CpuOpCostModel& model) {
  return EstimateCpuOpsNs(point.macs, point.weight_bytes, point.output_bytes, point.num_ops,
                          model) *
         1e-6;
}

StatusOr<CpuOpCostFit> FitCpuOpCostModel(const std::vector<CpuOpCostPoint>& points) {
  if (points.size() < kCoefficients)
    return InvalidArgumentError(fmt::format(
        "fitting the CPU op cost needs at least {} rows, got {}", kCoefficients, points.size()));
  // Active set: drop a coefficient the unconstrained fit makes negative and refit.
  std::array<bool, kCoefficients> free;
  free.fill(true);
  Vec c{};
  for (int round = 0; round < kCoefficients; ++round) {
    if (!SolveRelative(points, free, &c))
      return InvalidArgumentError("the CPU rows do not determine the CPU op cost");
    const auto worst = std::min_element(c.begin(), c.end());
    if (*worst >= 0) break;
    free[static_cast<size_t>(worst - c.begin())] = false;
    *worst = 0;
  }
  CpuOpCostFit fit;
  fit.model = FromCoefficients(c);
  double sum_sq = 0;
  for (const CpuOpCostPoint& p : points) {
    const double e = PredictCpuMs(p, fit.model) / p.measured_ms - 1;
    sum_sq += e * e;
    fit.worst_abs_relative_error = std::max(fit.worst_abs_relative_error, std::abs(e));
  }
  fit.rms_relative_error = std::sqrt(sum_sq / static_cast<double>(points.size()));
  return fit;
}

std::string CpuOpCostReportMarkdown(const std::string& measured_dir) {
  std::string md = "## Ops left on the CPU\n\n";
  StatusOr<std::vector<CpuOpCostPoint>> points = BuildCpuOpCostPoints(measured_dir);
  StatusOr<CpuOpCostFit> fit =
      points.ok() ? FitCpuOpCostModel(*points) : StatusOr<CpuOpCostFit>(Status(points.status()));
  if (!fit.ok()) return md + fmt::format("Not fitted: {}.\n", fit.status().message());
  const CpuOpCostModel defaults;
  md +=
      "A segment's ops the compiler leaves on the CPU run on the host after the Edge TPU "
      "subgraph returns, on the stage's thread, and their time is part of the stage's time "
      "(planner, profilers, simulator and paced runtime alike). Under the `paper` profile they "
      "are not serialized with the other stages' host work: the interpreter runs them inside "
      "its invoke call, which TFLite's Python binding makes with the interpreter lock "
      "released.\n\n";
  md +=
      "```\n"
      "t_cpu = ns_per_mac x MACs + ns_per_weight_byte x weight bytes\n"
      "      + ns_per_output_byte x output bytes + ns_per_op x ops\n"
      "```\n\n";
  md += fmt::format(
      "Fitted (least squares on relative error) on the authors' single-thread CPU runs of the "
      "whole models (`fc_cpu_1thread.csv`, `conv_cpu_1thread.csv`, {} rows), each stood for by "
      "our synthesized model of the same shape:\n\n",
      points->size());
  md += "| coefficient | fitted | default (`CpuOpCostModel`) |\n|---|---:|---:|\n";
  md +=
      fmt::format("| ns per MAC | {:.5f} | {:.5f} |\n", fit->model.ns_per_mac, defaults.ns_per_mac);
  md += fmt::format("| ns per weight byte | {:.5f} | {:.5f} |\n", fit->model.ns_per_weight_byte,
                    defaults.ns_per_weight_byte);
  md += fmt::format("| ns per output byte | {:.4f} | {:.4f} |\n", fit->model.ns_per_output_byte,
                    defaults.ns_per_output_byte);
  md +=
      fmt::format("| ns per op | {:.1f} | {:.1f} |\n\n", fit->model.ns_per_op, defaults.ns_per_op);
  md += "| file | rows | median abs error | worst abs error |\n|---|---:|---:|---:|\n";
  for (const auto& [file, family] : kCpuFiles) {
    std::vector<double> errors;
    for (const CpuOpCostPoint& p : *points)
      if (p.family == family)
        errors.push_back(std::abs(PredictCpuMs(p, defaults) / p.measured_ms - 1));
    if (errors.empty()) continue;
    std::sort(errors.begin(), errors.end());
    md += fmt::format("| {} | {} | {:.1f}% | {:.1f}% |\n", file, errors.size(),
                      100 * errors[errors.size() / 2], 100 * errors.back());
  }
  md +=
      "\nConvolutions reuse each weight across pixels (compute-bound); the FC models read every "
      "weight once per inference (memory-bound at large n), which the per-weight-byte rate "
      "carries. The CPU ops of real models are mostly resampling and element-wise kernels (e.g. "
      "RESIZE_BILINEAR, ARG_MAX): no measured row is bound by the bytes it writes, so when the "
      "fit leaves the output-byte rate at 0 such ops cost their MACs (interpolation, "
      "comparisons) and the per-op cost only. Every profile (model, simulate, mixed) and `run` "
      "time a segment's CPU ops with this model, so a plan's stage times and the runs of it "
      "agree.\n";
  return md;
}

}  // namespace segpipe
