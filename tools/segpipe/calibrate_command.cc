// `segpipe calibrate [--measured DIR] [--out FILE]`: fits the Edge TPU timing model and the paper
// host profile to the authors' measurements and writes the report (docs/edgetpu-model.md).
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "segpipe/core/internal/file_io.h"
#include "segpipe/paper/internal/edgetpu_calibration.h"
#include "segpipe/report/internal/progress.h"

namespace segpipe::cli {
namespace {

struct CalibrateFlags {
  std::string measured_dir = "../shared/paper/measured";
  std::string out;
};

Status Run(const CalibrateFlags& flags) {
  // The fit needs the measurements (paper only overlays them, and warns when they are missing):
  // the same NOT_FOUND, with what to pass.
  StatusOr<std::vector<PaperMeasurement>> loaded = LoadPaperMeasurements(flags.measured_dir);
  if (!loaded.ok() && loaded.status().code() == StatusCode::kNotFound)
    return NotFoundError(fmt::format(
        "--measured {}: {}; calibrate fits the paper's measured CSV files: pass --measured DIR "
        "(the repository's are in ../shared/paper/measured)",
        flags.measured_dir, loaded.status().message()));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<PaperMeasurement> files, std::move(loaded));
  report::BusyIndicator busy("segpipe calibrate", ProgressWanted());
  const CalibrationResult start = DefaultCalibration();
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<CalibrationPoint> points,
                           BuildCalibrationPoints(files, start.spec));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<CalibrationPoint> published,
                           BuildPublishedPoints(start.spec));
  points.insert(points.end(), published.begin(), published.end());
  SEGPIPE_ASSIGN_OR_RETURN(CalibrationResult result, FitEdgeTpuModel(points, start));
  SEGPIPE_ASSIGN_OR_RETURN(CalibrationResult tied,
                           FitEdgeTpuModel(points, start, FitOptions{.tie_activation_link = true}));
  const std::vector<CrossValidationRow> cross_validation = CrossValidate(points, start);
  const std::string report = CalibrationReportMarkdown(points, result, tied, cross_validation);
  busy.Finish();
  if (flags.out.empty()) {
    std::printf("%s", report.c_str());
    return OkStatus();
  }
  SEGPIPE_RETURN_IF_ERROR(WriteFileAtomically(flags.out, report));
  for (const FileError& e : EvaluateCalibration(points, result))
    std::printf("%-32s rows %3d  median %5.1f%%  worst %5.1f%%\n", e.file.c_str(), e.rows,
                100 * e.median_abs_relative_error, 100 * e.worst_abs_relative_error);
  for (const CalibrationPoint& p : points)
    if (p.published)
      std::printf("%-32s %-20s %+5.1f%%\n", "", p.model_name.c_str(),
                  100 * (PredictMs(p, result) / p.measured_ms - 1));
  std::printf("wrote %s\n", flags.out.c_str());
  return OkStatus();
}

}  // namespace

void RegisterCalibrate(CLI::App& app, Action* action) {
  auto flags = std::make_shared<CalibrateFlags>();
  auto* cmd = app.add_subcommand(
      "calibrate", "Fit the Edge TPU timing model to the paper's measurements; write the report");
  cmd->add_option("--measured", flags->measured_dir, "folder with the paper's CSV files")
      ->capture_default_str();
  cmd->add_option("--out", flags->out, "write the Markdown report here (default: stdout)");
  AddQuietFlag(cmd);
  cmd->callback([flags, action] { *action = [flags] { return Run(*flags); }; });
}

}  // namespace segpipe::cli
