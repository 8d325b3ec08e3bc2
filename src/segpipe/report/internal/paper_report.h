// report.md of `segpipe paper`: the reproduction of the paper's figures and tables from a sweep,
// set against the authors' measurements, with the headline speedups, the qualitative findings,
// what `auto` would choose and where our numbers differ and why.
//
// Pure function of its arguments; thread-safe.
#ifndef SEGPIPE_REPORT_INTERNAL_PAPER_REPORT_H_
#define SEGPIPE_REPORT_INTERNAL_PAPER_REPORT_H_

#include <set>
#include <string>
#include <vector>

#include "segpipe/paper/internal/paper_measurements.h"
#include "segpipe/paper/internal/paper_sweep.h"

namespace segpipe::report {

struct PaperReportContext {
  std::set<std::string> experiments;  // "fig2", "tables", "fig4", "fig5", "fig6"
  std::string command;                // the command line that produced the report
  std::string measured_dir;           // where the measurements came from ("" if none)
  std::vector<std::string> figures;   // PNG file names written next to report.md
  std::string plot_note;              // why plots are missing, if they are
  // Where the `native` per-hop cost comes from: the line of docs/benchmarks.md's "Pipeline"
  // section that states it, or empty when there is none yet.
  std::string native_hop_source;
};

std::string PaperReportMarkdown(const PaperSweep& sweep,
                                const std::vector<PaperMeasurement>& measured,
                                const PaperReportContext& context);

}  // namespace segpipe::report

#endif  // SEGPIPE_REPORT_INTERNAL_PAPER_REPORT_H_
