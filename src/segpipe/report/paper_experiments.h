// `segpipe paper`: runs the paper's experiments and writes everything next to report.md: CSV
// data, the PNG figures (drawn by scripts/plot_paper.py with the system's matplotlib) and the
// report. The CLI only parses flags and calls RunPaperExperiments.
//
//   PaperRunOptions options;
//   options.experiment = "all";
//   options.out_dir = "docs/paper";
//   SEGPIPE_ASSIGN_OR_RETURN(PaperRunSummary summary, RunPaperExperiments(options));
//
// When matplotlib (or the script) is missing the CSV files and the report are still written and
// the summary says why the plots were skipped. Not thread-safe (writes files, runs a process).
#ifndef SEGPIPE_REPORT_PAPER_EXPERIMENTS_H_
#define SEGPIPE_REPORT_PAPER_EXPERIMENTS_H_

#include <set>
#include <string>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe::report {

struct PaperRunOptions {
  std::string experiment = "all";      // fig2 | fig4 | fig5 | fig6 | tables | all
  std::string host_profile = "both";   // paper | native | both
  std::string out_dir = "docs/paper";  // the committed copy, from the repository root
  std::string measured_dir = "../shared/paper/measured";  // relative to the repository root
  std::string plot_script;  // empty: scripts/plot_paper.py, found from cwd or binary
  std::string python = "/usr/bin/python3";
  bool plots = true;  // false: CSV and report only
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

}  // namespace segpipe::report

#endif  // SEGPIPE_REPORT_PAPER_EXPERIMENTS_H_
