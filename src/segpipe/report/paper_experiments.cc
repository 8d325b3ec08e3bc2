// `segpipe paper`: sweeps, CSV files, figures (through the caller's drawer) and report.md.
#include "segpipe/report/internal/paper_experiments.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "segpipe/paper/internal/paper_measurements.h"
#include "segpipe/paper/internal/paper_sweep.h"
#include "segpipe/report/internal/paper_findings.h"
#include "segpipe/report/internal/paper_report.h"
#include "segpipe/report/internal/paper_tables.h"
#include "segpipe/report/internal/progress.h"
#include "segpipe/report/internal/table.h"

namespace segpipe::report {
namespace {

namespace fs = std::filesystem;

constexpr const char* kExperiments[] = {"fig2", "tables", "fig4", "fig5", "fig6"};

StatusOr<std::vector<HostProfile>> Hosts(const std::string& name) {
  if (name == "both") return std::vector<HostProfile>{PaperHostProfile(), NativeHostProfile()};
  SEGPIPE_ASSIGN_OR_RETURN(HostProfile host, HostProfileByName(name));
  return std::vector<HostProfile>{host};
}

class OutputDir {
 public:
  explicit OutputDir(std::string dir) : dir_(std::move(dir)) {}
  Status Write(const std::string& name, const std::string& text) {
    SEGPIPE_RETURN_IF_ERROR(WriteTextFile((fs::path(dir_) / name).string(), text));
    files_.push_back(name);
    return OkStatus();
  }
  Status Csv(const std::string& name, const Table& table) { return Write(name, ToCsv(table)); }
  const std::vector<std::string>& files() const { return files_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

nlohmann::json SummaryJson(const PaperSweep& sweep) {
  nlohmann::json j;
  j["batch"] = sweep.options.batch;
  j["max_tpus"] = sweep.options.max_tpus;
  j["headline"] = ToJson(HeadlineTable(sweep));
  nlohmann::json targets = nlohmann::json::array();
  for (const PaperTarget& t : PaperTargets(sweep))
    targets.push_back({{"what", t.what},
                       {"paper_speedup", t.paper_speedup},
                       {"our_speedup", t.ours.speedup},
                       {"size", t.ours.size},
                       {"tpus", t.ours.tpus},
                       {"layout", t.ours.layout},
                       {"relative_error", t.relative_error()}});
  j["paper_targets"] = targets;
  nlohmann::json findings = nlohmann::json::object();
  for (const HostProfile& host : sweep.options.hosts) {
    nlohmann::json list = nlohmann::json::array();
    for (const Finding& f : CheckFindings(sweep, host.name))
      list.push_back({{"claim", f.claim}, {"holds", f.holds}, {"evidence", f.evidence}});
    findings[host.name] = list;
  }
  j["findings"] = findings;
  return j;
}

// Draws the figures; returns the PNG names written, or sets `note` to why not.
std::vector<std::string> DrawPlots(const PaperRunOptions& options, const std::string& out_dir,
                                   const std::set<std::string>& experiments, std::string* note) {
  std::vector<std::string> figures;
  for (const char* e : {"fig2", "fig4", "fig5", "fig6"})
    if (experiments.count(e)) figures.push_back(std::string(e) + ".png");
  if (figures.empty()) return {};
  if (!options.plots) {
    *note = "plots were turned off (--no-plots)";
    return {};
  }
  if (!options.draw_figures) {
    *note = "no figure drawer was given";
    return {};
  }
  return options.draw_figures(out_dir, figures, note);
}

}  // namespace

// Build dirs live in the repository root, so the root is at most three levels above the binary.
std::string FindFromRoot(const std::string& path, const std::string& binary_path) {
  if (path.empty()) return "";
  if (fs::exists(path)) return path;
  if (fs::path(path).is_absolute() || binary_path.empty()) return "";
  std::error_code ec;
  fs::path dir = fs::canonical(fs::path(binary_path), ec).parent_path();
  if (ec) return "";
  for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const fs::path candidate = dir / path;
    if (fs::exists(candidate)) return candidate.string();
  }
  return "";
}

StatusOr<std::set<std::string>> ParseExperiments(const std::string& experiment) {
  if (experiment == "all")
    return std::set<std::string>(std::begin(kExperiments), std::end(kExperiments));
  for (const char* e : kExperiments)
    if (experiment == e) return std::set<std::string>{experiment};
  return InvalidArgumentError(fmt::format(
      "unknown experiment '{}' (expected fig2, fig4, fig5, fig6, tables or all)", experiment));
}

StatusOr<PaperRunSummary> RunPaperExperiments(const PaperRunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  SEGPIPE_ASSIGN_OR_RETURN(std::set<std::string> experiments, ParseExperiments(options.experiment));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<HostProfile> hosts, Hosts(options.host_profile));

  // The measurements only add overlays: without them the report says so and goes on.
  std::vector<PaperMeasurement> measured;
  const std::string measured_dir = FindFromRoot(options.measured_dir, options.binary_path);
  std::string measured_note;
  if (!measured_dir.empty()) {
    StatusOr<std::vector<PaperMeasurement>> loaded = LoadPaperMeasurements(measured_dir);
    if (loaded.ok()) {
      measured = *std::move(loaded);
    } else if (loaded.status().code() == StatusCode::kNotFound) {
      measured_note = fmt::format("{} (no measured overlays)", loaded.status().message());
    } else {
      return loaded.status();
    }
  } else {
    measured_note = fmt::format("{}: no such folder (no measured overlays)", options.measured_dir);
  }

  PaperSweepOptions sweep_options = PaperSweepOptions::Paper();
  sweep_options.hosts = hosts;
  if (!options.fc_sizes.empty()) sweep_options.fc_sizes = options.fc_sizes;
  if (!options.conv_sizes.empty()) sweep_options.conv_sizes = options.conv_sizes;
  const bool pipelines =
      experiments.count("fig4") || experiments.count("fig5") || experiments.count("fig6");
  if (!pipelines) sweep_options.variants.clear();
  if (!pipelines && !experiments.count("tables")) sweep_options.max_tpus = 1;
  std::unique_ptr<ProgressBar> bar;
  if (options.progress) {
    bar = std::make_unique<ProgressBar>(
        "segpipe paper",
        static_cast<int64_t>(sweep_options.fc_sizes.size() + sweep_options.conv_sizes.size()));
    sweep_options.progress = [&bar](int, int) { bar->Advance(); };
  }
  SEGPIPE_ASSIGN_OR_RETURN(PaperSweep sweep, RunPaperSweep(sweep_options));
  if (bar) bar->Finish();

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec)
    return InvalidArgumentError(
        fmt::format("cannot create output directory {}: {}", options.out_dir, ec.message()));
  OutputDir out(options.out_dir);
  if (experiments.count("fig2")) {
    SEGPIPE_RETURN_IF_ERROR(
        out.Csv("fig2_fc.csv", SingleTpuTable(sweep, PaperFamily::kFc, measured)));
    SEGPIPE_RETURN_IF_ERROR(
        out.Csv("fig2_conv.csv", SingleTpuTable(sweep, PaperFamily::kConv, measured)));
  }
  if (experiments.count("tables")) {
    SEGPIPE_RETURN_IF_ERROR(
        out.Csv("table1_fc_steps.csv", StepTable(sweep, PaperFamily::kFc, measured)));
    SEGPIPE_RETURN_IF_ERROR(
        out.Csv("table2_conv_steps.csv", StepTable(sweep, PaperFamily::kConv, measured)));
    for (int tpus : {2, 3})
      SEGPIPE_RETURN_IF_ERROR(
          out.Csv(fmt::format("table3_fc_{}seg.csv", tpus),
                  SegmentMemoryTable(sweep, PaperFamily::kFc, tpus, {}, measured)));
    SEGPIPE_RETURN_IF_ERROR(out.Csv(
        "table4_conv_4seg.csv", SegmentMemoryTable(sweep, PaperFamily::kConv, 4, {}, measured)));
  }
  if (pipelines) {
    SEGPIPE_RETURN_IF_ERROR(out.Csv("runs.csv", RunsTable(sweep)));
    SEGPIPE_RETURN_IF_ERROR(out.Csv("measured_pipelines.csv", MeasuredPipelineTable(measured)));
    SEGPIPE_RETURN_IF_ERROR(out.Csv("headline.csv", HeadlineTable(sweep)));
    for (const HostProfile& host : hosts) {
      SEGPIPE_RETURN_IF_ERROR(out.Csv(fmt::format("auto_fc_{}.csv", host.name),
                                      AutoChoiceTable(sweep, PaperFamily::kFc, host.name)));
      SEGPIPE_RETURN_IF_ERROR(out.Csv(fmt::format("auto_conv_{}.csv", host.name),
                                      AutoChoiceTable(sweep, PaperFamily::kConv, host.name)));
    }
    SEGPIPE_RETURN_IF_ERROR(out.Write("summary.json", SummaryJson(sweep).dump(2) + "\n"));
  }

  PaperRunSummary summary;
  summary.measured_note = measured_note;
  PaperReportContext context;
  context.experiments = experiments;
  context.command = options.command;
  context.measured_dir = measured.empty() ? "" : options.measured_dir;
  context.figures = DrawPlots(options, options.out_dir, experiments, &summary.plot_note);
  context.plot_note = summary.plot_note;
  context.native_hop_source = options.native_hop_source;
  summary.plots_drawn = summary.plot_note.empty();
  SEGPIPE_RETURN_IF_ERROR(out.Write("report.md", PaperReportMarkdown(sweep, measured, context)));
  summary.files = out.files();
  for (const std::string& f : context.figures) summary.files.push_back(f);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace segpipe::report
