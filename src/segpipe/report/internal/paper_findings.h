// The paper's qualitative findings checked against a sweep: each claim, whether our numbers
// support it, and the numbers that say so. Used by report.md and by the tests that guard the
// reproduction.
//
// Pure functions; thread-safe.
#ifndef SEGPIPE_REPORT_INTERNAL_PAPER_FINDINGS_H_
#define SEGPIPE_REPORT_INTERNAL_PAPER_FINDINGS_H_

#include <string>
#include <string_view>
#include <vector>

#include "segpipe/paper/internal/paper_sweep.h"

namespace segpipe::report {

struct Finding {
  std::string claim;
  bool holds = false;
  std::string evidence;
};

// FC with 2 and 3 TPUs and the default split behave alike: the same sizes stream weights from
// host memory, and where they do the times (B = 1 and B = batch) are within 15% of each other.
Finding CheckFcTwoAndThreeAlike(const std::vector<ModelSweep>& fc, std::string_view host);

// For FC the fastest TPU count (any split, B = batch) is the fewest TPUs that keep every weight
// on chip, at every size where some count does.
Finding CheckFcFewestOnChip(const std::vector<ModelSweep>& fc, std::string_view host);

// Segmented single-input CONV (default split, B = 1) is slower than one TPU except for the
// largest models. "Largest" is the paper's mechanism, not a share of the sweep: the models whose
// weights no longer fit on one TPU (it streams some from host memory). Holds when every size
// where some TPU count beats one TPU is such a model, and the largest model is one of them.
Finding CheckConvSegmentedSlower(const std::vector<ModelSweep>& conv, std::string_view host);

// How `auto` (plain pipelines, the paper's setting) agrees with the simulated runtime: at how
// many sizes it uses the TPU count whose simulated time (any split, B = batch, or one TPU) is
// the lowest, and how far its predicted time is from that lowest simulated time.
struct AutoAgreement {
  int sizes = 0;
  int same_tpus = 0;
  int pipelined = 0;  // sizes where auto chose 2+ TPUs: its time compares with the simulation
  // |auto's predicted time / best simulated time on the same TPU count - 1|, over `pipelined`
  double median_time_difference = 0;
  double worst_time_difference = 0;
};
AutoAgreement CheckAutoAgreesWithSimulation(const std::vector<ModelSweep>& models,
                                            std::string_view host);

// All three (those whose family is in the sweep).
std::vector<Finding> CheckFindings(const PaperSweep& sweep, std::string_view host);

}  // namespace segpipe::report

#endif  // SEGPIPE_REPORT_INTERNAL_PAPER_FINDINGS_H_
