// `segpipe paper`: runs the paper's experiments and writes everything next to report.md: CSV
// data, the PNG figures (drawn by the caller's FigureDrawer: the CLI runs scripts/plot_paper.py
// with the system's matplotlib) and the report. The library starts no process and reads no docs.
//
//   PaperRunOptions options;
//   options.experiment = "all";
//   options.out_dir = "docs/paper";
//   SEGPIPE_ASSIGN_OR_RETURN(PaperRunSummary summary, RunPaperExperiments(options));
//
// When no figure is drawn the CSV files and the report are still written and the summary says
// why the plots were skipped. Not thread-safe (writes files).
#ifndef SEGPIPE_REPORT_INTERNAL_PAPER_EXPERIMENTS_H_
#define SEGPIPE_REPORT_INTERNAL_PAPER_EXPERIMENTS_H_

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe::report {

// Draws `figures` ("fig2.png", ...) from the CSV files in out_dir; returns the names drawn and
// sets `note` to why any are missing.
using FigureDrawer = std::function<std::vector<std::string>(
    const std::string& out_dir, const std::vector<std::string>& figures, std::string* note)>;

struct PaperRunOptions {
  std::string experiment = "all";      // fig2 | fig4 | fig5 | fig6 | tables | all
  std::string host_profile = "both";   // paper | native | both
  std::string out_dir = "docs/paper";  // the committed copy, from the repository root
  std::string measured_dir = "../shared/paper/measured";  // relative to the repository root
  bool plots = true;                                      // false: CSV and report only
  FigureDrawer draw_figures;                              // unset: no figures
  // The caller's source of the measured per-hop cost (the "Pipeline" line of docs/benchmarks.md
  // that gives it), quoted in report.md; empty: none measured.
  std::string native_hop_source;
  // Override the paper's sweeps (empty: FC n = 100..2620 step 40, CONV f = 32..702 step 10).
  std::vector<int> fc_sizes;
  std::vector<int> conv_sizes;
  bool progress = false;    // progress bar on stderr
  std::string command;      // the command line, recorded in report.md
  std::string binary_path;  // argv[0]-derived path of the segpipe binary, for lookups
};

struct PaperRunSummary {
  std::vector<std::string> files;  // written, relative to out_dir
  bool plots_drawn = false;
  std::string plot_note;  // why not, when not
  std::string measured_note;  // why the measured overlays were dropped, when they were
  double seconds = 0;
};

// The experiments an --experiment value selects ("all": every one). Fails on unknown names.
StatusOr<std::set<std::string>> ParseExperiments(const std::string& experiment);

StatusOr<PaperRunSummary> RunPaperExperiments(const PaperRunOptions& options);

// A path given relative to the repository root: as given (run from the root), else next to the
// repository the binary at `binary_path` was built in; empty when neither exists.
std::string FindFromRoot(const std::string& path, const std::string& binary_path);

}  // namespace segpipe::report

#endif  // SEGPIPE_REPORT_INTERNAL_PAPER_EXPERIMENTS_H_
