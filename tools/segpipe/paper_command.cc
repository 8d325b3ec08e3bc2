// `segpipe paper [--experiment fig2|fig4|fig5|fig6|tables|all] [--host-profile paper|native|both]
// [--out DIR]`: reproduces the paper's figures and tables through the Edge TPU model and the
// pipeline simulator and writes CSV files, PNG figures and report.md (docs/paper/ holds the
// committed output of `--experiment all --out docs/paper`).
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "paper_plots.h"
#include "segpipe/report/paper_experiments.h"
#include "segpipe/report/progress.h"

namespace segpipe::cli {
namespace {

struct PaperFlags {
  report::PaperRunOptions options;
  bool no_plots = false;
  std::string plot_script;  // empty: scripts/plot_paper.py
  std::string python = "/usr/bin/python3";
};

Status Run(PaperFlags& flags) {
  report::PaperRunOptions& options = flags.options;
  options.plots = !flags.no_plots;
  options.progress = report::ProgressBar::StderrIsTerminal();
  options.binary_path = "/proc/self/exe";  // to find scripts/ and ../shared from any cwd
  options.draw_figures = [&flags](const std::string& out_dir,
                                  const std::vector<std::string>& figures, std::string* note) {
    return DrawPaperFigures(flags.python, flags.plot_script, flags.options.binary_path, out_dir,
                            figures, note);
  };
  options.native_hop_source = NativeHopSource(options.binary_path);
  options.command = fmt::format("segpipe paper --experiment {} --host-profile {} --out {}",
                                options.experiment, options.host_profile, options.out_dir);
  SEGPIPE_ASSIGN_OR_RETURN(report::PaperRunSummary summary, report::RunPaperExperiments(options));
  std::printf("wrote %zu files to %s in %.1f s\n", summary.files.size(), options.out_dir.c_str(),
              summary.seconds);
  if (!summary.plots_drawn) std::printf("plots skipped: %s\n", summary.plot_note.c_str());
  return OkStatus();
}

}  // namespace

void RegisterPaper(CLI::App& app, Action* action) {
  auto flags = std::make_shared<PaperFlags>();
  CLI::App* cmd = app.add_subcommand(
      "paper", "Reproduce the paper's figures and tables (CSV, PNG, report.md) in the simulator");
  cmd->add_option("--experiment", flags->options.experiment,
                  "fig2, fig4, fig5, fig6, tables or all")
      ->check(CLI::IsMember({"fig2", "fig4", "fig5", "fig6", "tables", "all"}))
      ->capture_default_str();
  cmd->add_option("--host-profile", flags->options.host_profile,
                  "host runtime model: paper (the authors' Python runtime), native (ours) or both")
      ->check(CLI::IsMember({"paper", "native", "both"}))
      ->capture_default_str();
  cmd->add_option("--out", flags->options.out_dir, "output directory")->capture_default_str();
  cmd->add_option("--measured", flags->options.measured_dir,
                  "the authors' measurements, relative to the repository root")
      ->capture_default_str();
  cmd->add_option("--plot-script", flags->plot_script,
                  "plotting script (default: scripts/plot_paper.py)");
  cmd->add_option("--python", flags->python, "Python with matplotlib")->capture_default_str();
  cmd->add_flag("--no-plots", flags->no_plots, "write CSV files and the report only");
  cmd->callback([flags, action] { *action = [flags] { return Run(*flags); }; });
}

}  // namespace segpipe::cli
