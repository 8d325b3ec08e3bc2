// `segpipe paper [--experiment fig2|fig4|fig5|fig6|tables|all] [--host-profile paper|native|both]
// [--out DIR]`: reproduces the paper's figures and tables through the Edge TPU model and the
// pipeline simulator and writes CSV files, PNG figures and report.md (docs/paper/ holds the
// committed output of `--experiment all --out docs/paper`).
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "paper_plots.h"
#include "segpipe/report/internal/paper_experiments.h"

namespace segpipe::cli {
namespace {

namespace fs = std::filesystem;

struct PaperFlags {
  report::PaperRunOptions options;
  bool no_plots = false;
  std::string plot_script;  // empty: scripts/plot_paper.py
  std::string python = "/usr/bin/python3";
};

// Moves the files of a finished run from `staging` into `out` (the same file system: renames).
Status MoveInto(const fs::path& staging, const fs::path& out,
                const std::vector<std::string>& files) {
  for (const std::string& f : files) {
    std::error_code ec;
    fs::rename(staging / f, out / f, ec);
    if (ec)
      return WriteFailedError(
          fmt::format("cannot move {} into {}: {}", f, out.string(), ec.message()));
  }
  return OkStatus();
}

Status Run(PaperFlags& flags) {
  report::PaperRunOptions& options = flags.options;
  options.plots = !flags.no_plots;
  options.progress = ProgressWanted();
  options.binary_path = "/proc/self/exe";  // to find scripts/ and ../shared from any cwd
  options.draw_figures = [&flags](const std::string& out_dir,
                                  const std::vector<std::string>& figures, std::string* note) {
    return DrawPaperFigures(flags.python, flags.plot_script, flags.options.binary_path, out_dir,
                            figures, note);
  };
  options.native_hop_source = NativeHopSource(options.binary_path);
  options.command = fmt::format("segpipe paper --experiment {} --host-profile {} --out {}",
                                options.experiment, options.host_profile, options.out_dir);
  // Everything is written into a hidden folder inside --out and moved into place only once the
  // whole run succeeded: on failure nothing new is left and the folder's files are untouched.
  const fs::path out = options.out_dir;
  std::error_code ec;
  const bool existed = fs::exists(out, ec);
  SEGPIPE_RETURN_IF_ERROR(CreateOutputDirectory(out.string(), "--out"));
  std::string pattern = (out / ".segpipe-paper-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    if (!existed) fs::remove(out, ec);
    return WriteFailedError(fmt::format("cannot create a folder in {} (--out): {}", out.string(),
                                        std::strerror(errno)));
  }
  const fs::path staging = pattern;
  options.out_dir = staging.string();
  StatusOr<report::PaperRunSummary> summary = report::RunPaperExperiments(options);
  Status moved = summary.ok() ? MoveInto(staging, out, summary->files) : summary.status();
  fs::remove_all(staging, ec);
  if (!moved.ok()) {
    if (!existed) fs::remove(out, ec);  // only when empty: a partial move stays visible
    return moved;
  }
  if (!summary->measured_note.empty())
    std::fprintf(stderr, "segpipe: warning: --measured %s\n", summary->measured_note.c_str());
  if (!summary->plots_drawn && !flags.no_plots)
    std::fprintf(stderr, "segpipe: warning: plots skipped: %s\n", summary->plot_note.c_str());
  std::printf("wrote %zu files to %s in %.1f s\n", summary->files.size(), out.c_str(),
              summary->seconds);
  if (!summary->plots_drawn) std::printf("plots skipped: %s\n", summary->plot_note.c_str());
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
  AddQuietFlag(cmd);
  cmd->callback([flags, action] { *action = [flags] { return Run(*flags); }; });
}

}  // namespace segpipe::cli
