// What `segpipe paper` does outside the library: draw the figures with the plotting script
// (scripts/plot_paper.py, the system's matplotlib) and read the measured per-hop cost from
// docs/benchmarks.md, so that the library itself starts no process and reads no docs.
#ifndef SEGPIPE_TOOLS_SEGPIPE_PAPER_PLOTS_H_
#define SEGPIPE_TOOLS_SEGPIPE_PAPER_PLOTS_H_

#include <string>
#include <vector>

namespace segpipe::cli {

// Runs `python plot_script --dir out_dir --figures fig2,fig4,...` (plot_script empty:
// scripts/plot_paper.py, found from the cwd or the binary). Returns the PNG names it wrote, or
// sets `note` to why not (script or matplotlib missing, script failed).
std::vector<std::string> DrawPaperFigures(const std::string& python, const std::string& plot_script,
                                          const std::string& binary_path,
                                          const std::string& out_dir,
                                          const std::vector<std::string>& figures,
                                          std::string* note);

// The line of docs/benchmarks.md's "Pipeline" section that gives the per-hop cost; empty when
// the file or the line is missing.
std::string NativeHopSource(const std::string& binary_path);

}  // namespace segpipe::cli

#endif  // SEGPIPE_TOOLS_SEGPIPE_PAPER_PLOTS_H_
