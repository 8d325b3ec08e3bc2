// The paper's figures and tables as Tables: what `segpipe paper` writes as CSV (for the plotting
// script) and shows in report.md. Each function reads a PaperSweep and, where the authors
// published the same quantity, their measurement of it (../shared/paper/measured).
//
// Pure functions; thread-safe.
#ifndef SEGPIPE_REPORT_INTERNAL_PAPER_TABLES_H_
#define SEGPIPE_REPORT_INTERNAL_PAPER_TABLES_H_

#include <optional>
#include <string>
#include <vector>

#include "segpipe/paper/internal/paper_measurements.h"
#include "segpipe/paper/internal/paper_sweep.h"
#include "segpipe/report/internal/table.h"

namespace segpipe::report {

// The measurement file of a setup, or null when it was not loaded.
const PaperMeasurement* FindMeasurement(const std::vector<PaperMeasurement>& measured,
                                        PaperFamily family, int num_tpus, int batch);
// The row of `size` in a file, or null.
const PaperRow* FindRow(const PaperMeasurement* file, int size);

// Fig. 2: one row per model on one TPU (MACs, on/off-chip MiB, time, GOPS) beside the
// measured values of the same size.
Table SingleTpuTable(const PaperSweep& sweep, PaperFamily family,
                     const std::vector<PaperMeasurement>& measured);

// The sizes at which the single-TPU time steps: the number of layers streamed from host memory
// changes between one size and the next. Pairs (index before, index after) into the family.
std::vector<std::pair<int, int>> SingleTpuSteps(const std::vector<ModelSweep>& models);

// Tables I and II: memory and time just before and just after each step, ours and measured.
Table StepTable(const PaperSweep& sweep, PaperFamily family,
                const std::vector<PaperMeasurement>& measured);

// Tables III and IV: per-segment memory of the default split with `tpus` segments for every
// size in `sizes` (all sizes when empty), beside the measured lists where the paper has them.
Table SegmentMemoryTable(const PaperSweep& sweep, PaperFamily family, int tpus,
                         const std::vector<int>& sizes,
                         const std::vector<PaperMeasurement>& measured);

// Every simulated run (Figs. 4-6): family, host, size, TPUs, split, layout, time at B = 1 and
// at the batch, speedups over one TPU, off-chip MiB. TPUs = 1 rows are the single TPU.
Table RunsTable(const PaperSweep& sweep);

// The authors' pipeline timings, long format: family, TPUs, batch, size, time.
Table MeasuredPipelineTable(const std::vector<PaperMeasurement>& measured);

// One headline figure: the best speedup over one TPU (at the batch) over all sizes.
struct BestSpeedup {
  double speedup = 0;
  int size = 0;
  int tpus = 0;
  std::string layout;
};
// Best over sizes for one host, TPU count (0 = any) and split method.
BestSpeedup FindBestSpeedup(const std::vector<ModelSweep>& models, std::string_view host, int tpus,
                            SplitMethod method, bool at_batch = true);

// The headline table: best speedup per family, TPU count and split, for every host profile.
Table HeadlineTable(const PaperSweep& sweep);

// A paper figure we compare against, and ours.
struct PaperTarget {
  std::string what;  // "FC, 4 TPUs, default split, B=50"
  PaperFamily family = PaperFamily::kFc;
  int tpus = 0;  // 0: best over TPU counts
  SplitMethod method = SplitMethod::kDefault;
  double paper_speedup = 0;
  BestSpeedup ours;  // `paper` host profile
  double relative_error() const { return ours.speedup / paper_speedup - 1; }
};
std::vector<PaperTarget> PaperTargets(const PaperSweep& sweep);

// What `auto` chooses, as runs of consecutive sizes with the same choice.
Table AutoChoiceTable(const PaperSweep& sweep, PaperFamily family, std::string_view host);

// The TPU count with the lowest simulated time at the batch (any split; 1 = one TPU) per size,
// and the fewest TPUs for which some split streams nothing from host memory (0: none).
struct TpuChoice {
  int size = 0;
  int fastest_tpus = 1;
  int fewest_on_chip_tpus = 0;
};
std::vector<TpuChoice> TpuChoices(const std::vector<ModelSweep>& models, std::string_view host);

}  // namespace segpipe::report

#endif  // SEGPIPE_REPORT_INTERNAL_PAPER_TABLES_H_
