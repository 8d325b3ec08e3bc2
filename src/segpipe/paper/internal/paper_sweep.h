// The paper's experiments as data: for every model of the FC and CONV sweeps, the single-TPU
// placement and time (Fig. 2), and for 2..max_tpus Edge TPUs and each host profile the
// default, profiled and optimal splits with their per-segment memory and their pipeline time at
// batch 1 and at the paper's batch (Figs. 4-6, Tables III-IV), plus what `auto` would choose.
//
//   PaperSweepOptions options;            // the paper's sizes, 1-4 TPUs, B = 1 and 50
//   options.hosts = {PaperHostProfile(), NativeHostProfile()};
//   SEGPIPE_ASSIGN_OR_RETURN(PaperSweep sweep, RunPaperSweep(options));
//
// Nothing runs an inference: models are synthesized shape-first (no float calibration, which
// only moves activation scales), placed and timed by the Edge TPU model, and every pipeline is
// run in the discrete-event simulator the way the paper timed it (all inputs queued, threads
// started, joined; time / batch). Pure apart from the optional progress callback; models are
// swept on `threads` worker threads, results come back in sweep order.
#ifndef SEGPIPE_PAPER_INTERNAL_PAPER_SWEEP_H_
#define SEGPIPE_PAPER_INTERNAL_PAPER_SWEEP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/model/model.h"
#include "segpipe/paper/internal/paper_measurements.h"

namespace segpipe::report {

std::string_view FamilyName(PaperFamily family);  // "FC", "CONV"
std::string_view SizeName(PaperFamily family);    // "n", "f"

// How a multi-TPU split was chosen.
//  kDefault:  the paper's default (FC: the hand split [1,2][3,4,5]...; CONV: the compiler's
//             parameter-balanced --num_segments split).
//  kProfiled: the paper's profiling (FC: every contiguous split run as a pipeline on the batch,
//             fastest kept; CONV: Google's partition_with_profiling bisection, as they used).
//  kOptimal:  our exact search (`optimal`, objective batch:B) on the analytic stage times.
enum class SplitMethod : uint8_t { kDefault, kProfiled, kOptimal };
std::string_view SplitMethodName(SplitMethod method);  // "default", "profiled", "optimal"
inline constexpr SplitMethod kAllSplitMethods[] = {SplitMethod::kDefault, SplitMethod::kProfiled,
                                                   SplitMethod::kOptimal};

// One segment compiled for one Edge TPU (layers numbered from 1).
struct SegmentResult {
  int first_layer = 0;
  int last_layer = 0;
  int64_t on_chip_bytes = 0;
  int64_t off_chip_bytes = 0;
  int64_t input_bytes = 0;
  int streamed_layers = 0;  // layers whose parameters live in host memory
  double device_ms = 0;     // one invocation on the device (host work of the runtime excluded)
};

// One split run as a pipeline.
struct SplitRun {
  int tpus = 1;
  SplitMethod method = SplitMethod::kDefault;
  std::string layout;  // "[1,2][3,4,5]"
  std::vector<SegmentResult> segments;
  double batch1_ms = 0;  // simulated time per inference, B = 1
  double batch_ms = 0;   // simulated time per inference, B = options.batch
  int64_t off_chip_bytes() const;
};

// What `auto` picks with up to max_tpus devices (objective batch:B).
struct AutoChoice {
  int devices_used = 0;
  std::string layout;
  double time_per_inference_ms = 0;
};

struct HostRuns {
  HostProfile host;
  std::vector<SplitRun> runs;  // tpus 2..max, each method
  AutoChoice auto_pipeline;    // plain pipelines only (the paper's setting)
  AutoChoice auto_replicated;  // replicated stages allowed

  const SplitRun& Run(int tpus, SplitMethod method) const;  // CHECKs it exists
};

struct ModelSweep {
  PaperFamily family = PaperFamily::kFc;
  int size = 0;  // n or f
  int64_t macs = 0;
  SegmentResult single;         // the whole model on one TPU
  double single_ms = 0;         // one invocation: what the paper timed on one TPU (Fig. 2)
  std::vector<HostRuns> hosts;  // in options.hosts order
  // The same model under each PaperSweepOptions::variants entry that runs on its family (in
  // order), `paper` host only.
  std::vector<ModelSweep> variants;

  double gops() const { return single_ms > 0 ? 2.0 * macs / (single_ms * 1e6) : 0; }
  const HostRuns& Host(std::string_view name) const;  // CHECKs it exists
};

// A what-if device: the sweep is repeated with `spec` to show how much one parameter moves a
// result (no per-point tuning: the same spec for every model).
struct SpecVariant {
  std::string name;
  std::string description;
  EdgeTpuSpec spec;
  bool fc = false;  // which families it runs on
  bool conv = true;
};

struct PaperSweepOptions {
  std::vector<int> fc_sizes;    // empty: no FC models
  std::vector<int> conv_sizes;  // empty: no CONV models
  int max_tpus = 4;
  int batch = 50;
  EdgeTpuSpec spec;
  std::vector<HostProfile> hosts;
  std::vector<SpecVariant> variants;
  int threads = 2;  // models swept at once (the build machines have 2 cores)
  // Called (from one thread at a time) after each model with (models done, models total).
  std::function<void(int, int)> progress;

  // The paper's sweeps (FC n = 100..2620 step 40, CONV f = 32..702 step 10), both profiles, and
  // the CONV sweep again with each segment's output transfer added to its last layer's time.
  static PaperSweepOptions Paper();
};

struct PaperSweep {
  PaperSweepOptions options;
  std::vector<ModelSweep> fc;
  std::vector<ModelSweep> conv;

  const std::vector<ModelSweep>& Family(PaperFamily family) const {
    return family == PaperFamily::kFc ? fc : conv;
  }
};

// The int8 model of one sweep point, built without float calibration (placement and timing
// depend on shapes only). Fails on sizes the synthesizer rejects.
StatusOr<Model> BuildPaperModel(PaperFamily family, int size);

// Runs the experiments on one model.
StatusOr<ModelSweep> SweepModel(PaperFamily family, int size, const Model& model,
                                const PaperSweepOptions& options);

StatusOr<PaperSweep> RunPaperSweep(const PaperSweepOptions& options);

// Speedup of a split over the whole model on one TPU at the split's batch time (batch_ms) or
// batch-1 time.
double Speedup(const ModelSweep& model, const SplitRun& run, bool at_batch);

}  // namespace segpipe::report

#endif  // SEGPIPE_PAPER_INTERNAL_PAPER_SWEEP_H_
