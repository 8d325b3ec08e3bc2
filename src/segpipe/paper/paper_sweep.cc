// The paper's sweeps through the Edge TPU model and the pipeline simulator.
#include "segpipe/paper/internal/paper_sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <thread>

#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/partition/internal/partition.h"
#include "segpipe/partition/internal/planner.h"
#include "segpipe/partition/internal/split.h"
#include "segpipe/pipeline/sim/internal/simulator.h"
#include "segpipe/synth/internal/paper_models.h"

namespace segpipe::report {
namespace {

// Every contiguous layer range of one model placed and timed once: all splits are built from
// these (a 5-layer model has 15 of them).
class SegmentTable {
 public:
  static StatusOr<SegmentTable> Build(const Model& model, const EdgeTpuSpec& spec) {
    SegmentTable table;
    table.unit_ends_ = CutCandidates(model);
    const int n = table.num_units();
    table.cells_.resize(static_cast<size_t>(n * n));
    for (int first = 0; first < n; ++first) {
      for (int last = first; last < n; ++last) {
        const int first_op = first == 0 ? 0 : table.unit_ends_[first - 1] + 1;
        SEGPIPE_ASSIGN_OR_RETURN(SegmentPlacement placement,
                                 PlaceSegment(model, first_op, table.unit_ends_[last], spec));
        Cell& cell = table.cells_[static_cast<size_t>(first * n + last)];
        cell.timing = EstimateSegmentTiming(placement, spec);
        cell.result.first_layer = first + 1;
        cell.result.last_layer = last + 1;
        cell.result.on_chip_bytes = placement.on_chip_bytes;
        cell.result.off_chip_bytes = placement.off_chip_bytes;
        cell.result.input_bytes = placement.input_bytes;
        for (const LayerPlacement& layer : placement.layers)
          if (!layer.on_chip && layer.weight_bytes > 0) ++cell.result.streamed_layers;
        cell.result.device_ms = cell.timing.total_ns() * 1e-6;
      }
    }
    return table;
  }

  int num_units() const { return static_cast<int>(unit_ends_.size()); }
  const std::vector<int>& unit_ends() const { return unit_ends_; }
  const SegmentResult& Result(int first, int last) const { return At(first, last).result; }
  const SegmentTiming& Timing(int first, int last) const { return At(first, last).timing; }

 private:
  struct Cell {
    SegmentResult result;
    SegmentTiming timing;
  };
  const Cell& At(int first, int last) const {
    SEGPIPE_CHECK(0 <= first && first <= last && last < num_units());
    return cells_[static_cast<size_t>(first * num_units() + last)];
  }

  std::vector<int> unit_ends_;
  std::vector<Cell> cells_;
};

// The authors' Python runtime used unbounded queues (all B inputs sit in the first one); ours
// keeps one frame between stages, as libcoral does.
int QueueCapacityFor(const HostProfile& host, int batch) {
  return host.host_serialized ? std::max(1, batch) : 1;
}

StatusOr<double> SimulateMs(std::span<const SegmentTiming> timings, const HostProfile& host,
                            int batch) {
  const SimConfig config = EdgeTpuSimConfig(timings, host, QueueCapacityFor(host, batch));
  SEGPIPE_ASSIGN_OR_RETURN(SimResult result, SimulateBatch(config, batch));
  return result.time_per_inference_ns * 1e-6;
}

// Builds the run of the split whose stage k ends at unit last_unit[k].
StatusOr<SplitRun> RunSplit(const SegmentTable& table, std::span<const int> last_unit,
                            SplitMethod method, const HostProfile& host, int batch) {
  SplitRun run;
  run.tpus = static_cast<int>(last_unit.size());
  run.method = method;
  std::vector<SegmentTiming> timings;
  int first = 0;
  for (int last : last_unit) {
    run.segments.push_back(table.Result(first, last));
    timings.push_back(table.Timing(first, last));
    run.layout += first == last ? fmt::format("[{}]", first + 1)
                                : fmt::format("[{}-{}]", first + 1, last + 1);
    first = last + 1;
  }
  SEGPIPE_ASSIGN_OR_RETURN(run.batch1_ms, SimulateMs(timings, host, 1));
  SEGPIPE_ASSIGN_OR_RETURN(run.batch_ms, SimulateMs(timings, host, batch));
  return run;
}

// The paper's default split as last units.
StatusOr<std::vector<int>> DefaultSplit(PaperFamily family, const Model& model,
                                        const SegmentTable& table, int tpus,
                                        const EdgeTpuSpec& spec) {
  SplitSpec split;
  split.kind = family == PaperFamily::kFc ? SplitKind::kUniform : SplitKind::kParams;
  return SplitLastLayers(model, table.unit_ends(), tpus, split, spec);
}

// The paper's FC profiling: every split run as a pipeline on the batch; the fastest is kept
// (the first among equals).
StatusOr<std::vector<int>> ExhaustiveSimulatedSplit(const SegmentTable& table, int tpus,
                                                    const HostProfile& host, int batch) {
  std::vector<int> best;
  double best_ms = std::numeric_limits<double>::infinity();
  Status status = OkStatus();
  ForEachSplit(table.num_units(), tpus, [&](std::span<const int> last_unit) {
    std::vector<SegmentTiming> timings;
    int first = 0;
    for (int last : last_unit) {
      timings.push_back(table.Timing(first, last));
      first = last + 1;
    }
    StatusOr<double> ms = SimulateMs(timings, host, batch);
    if (!ms.ok()) {
      status = ms.status();
      return false;
    }
    if (*ms < best_ms) {
      best_ms = *ms;
      best.assign(last_unit.begin(), last_unit.end());
    }
    return true;
  });
  SEGPIPE_RETURN_IF_ERROR(status);
  return best;
}

StatusOr<std::vector<StageDevice>> Tpus(int count) {
  return ParseStageDevices(fmt::format("edgetpu:{}", count));
}

StatusOr<std::vector<int>> PlannedSplit(const Model& model, ModelProfiler& profiler,
                                        Strategy strategy, Objective objective, int tpus,
                                        std::span<const int> unit_ends) {
  PlanOptions plan_options;
  plan_options.strategy = strategy;
  plan_options.objective = objective;
  SEGPIPE_ASSIGN_OR_RETURN(plan_options.devices, Tpus(tpus));
  SEGPIPE_ASSIGN_OR_RETURN(Plan plan, MakePlan(model, profiler, plan_options));
  return UnitsOfPartition(plan.partition, unit_ends);
}

StatusOr<AutoChoice> ChooseAuto(const Model& model, ModelProfiler& profiler, int max_tpus,
                                int batch, bool allow_replication) {
  PlanOptions plan_options;
  plan_options.strategy = Strategy::kAuto;
  plan_options.objective = Objective::Batch(batch);
  plan_options.allow_replication = allow_replication;
  SEGPIPE_ASSIGN_OR_RETURN(plan_options.devices, Tpus(max_tpus));
  SEGPIPE_ASSIGN_OR_RETURN(Plan plan, MakePlan(model, profiler, plan_options));
  for (const AutoOption& option : plan.auto_options) {
    if (!option.chosen) continue;
    return AutoChoice{option.devices_used, option.layout, option.time_per_inference_ms};
  }
  return InternalError("auto planning chose no option");
}

// One model of a sweep: synthesized, swept, and swept again under each what-if device.
StatusOr<ModelSweep> SweepOne(PaperFamily family, int size, const PaperSweepOptions& options) {
  StatusOr<Model> model = BuildPaperModel(family, size);
  if (!model.ok())
    return model.status().WithContext(fmt::format("{} {}={}",
                                                  family == PaperFamily::kFc ? "FC" : "CONV",
                                                  family == PaperFamily::kFc ? "n" : "f", size));
  SEGPIPE_ASSIGN_OR_RETURN(ModelSweep m, SweepModel(family, size, *model, options));
  for (const SpecVariant& variant : options.variants) {
    if (!(family == PaperFamily::kFc ? variant.fc : variant.conv)) continue;
    PaperSweepOptions variant_options = options;
    variant_options.spec = variant.spec;
    variant_options.hosts = {PaperHostProfile()};
    variant_options.variants.clear();
    SEGPIPE_ASSIGN_OR_RETURN(ModelSweep v, SweepModel(family, size, *model, variant_options));
    m.variants.push_back(std::move(v));
  }
  return m;
}

}  // namespace

std::string_view FamilyName(PaperFamily family) {
  return family == PaperFamily::kFc ? "FC" : "CONV";
}

std::string_view SizeName(PaperFamily family) { return family == PaperFamily::kFc ? "n" : "f"; }

std::string_view SplitMethodName(SplitMethod method) {
  switch (method) {
    case SplitMethod::kDefault:
      return "default";
    case SplitMethod::kProfiled:
      return "profiled";
    case SplitMethod::kOptimal:
      return "optimal";
  }
  return "?";
}

int64_t SplitRun::off_chip_bytes() const {
  int64_t sum = 0;
  for (const SegmentResult& s : segments) sum += s.off_chip_bytes;
  return sum;
}

const SplitRun& HostRuns::Run(int tpus, SplitMethod method) const {
  for (const SplitRun& run : runs)
    if (run.tpus == tpus && run.method == method) return run;
  SEGPIPE_CHECK(false && "no such run");
  return runs.front();
}

const HostRuns& ModelSweep::Host(std::string_view name) const {
  for (const HostRuns& h : hosts)
    if (h.host.name == name) return h;
  SEGPIPE_CHECK(false && "no such host profile");
  return hosts.front();
}

PaperSweepOptions PaperSweepOptions::Paper() {
  PaperSweepOptions options;
  options.fc_sizes = synth::FcSweepHidden();
  options.conv_sizes = synth::ConvSweepFilters();
  options.hosts = {PaperHostProfile(), NativeHostProfile()};
  // The hop cost decides CONV pipelines, and in a 4-TPU CONV pipeline most stages hold one
  // layer, whose array time hides the output transfer (docs/edgetpu-model.md). CONV runs once
  // more with the output transfer added to the last layer to show how much rests on that.
  SpecVariant added;
  added.name = "output-transfer-added-to-last-layer";
  added.description =
      "each segment's output transfer added to its last layer's array time instead of "
      "overlapping it, other coefficients unchanged";
  added.spec = options.spec;
  added.spec.output_overlaps_last_layer = false;
  options.variants.push_back(added);
  return options;
}

StatusOr<Model> BuildPaperModel(PaperFamily family, int size) {
  if (family == PaperFamily::kFc) {
    synth::FcConfig config;
    config.hidden = size;
    config.calibration_inputs = 0;
    SEGPIPE_ASSIGN_OR_RETURN(synth::SynthModel m, synth::SynthesizeFc(config));
    return std::move(m.model);
  }
  synth::ConvConfig config;
  config.filters = size;
  config.calibration_inputs = 0;
  SEGPIPE_ASSIGN_OR_RETURN(synth::SynthModel m, synth::SynthesizeConv(config));
  return std::move(m.model);
}

StatusOr<ModelSweep> SweepModel(PaperFamily family, int size, const Model& model,
                                const PaperSweepOptions& options) {
  if (options.max_tpus < 1) return InvalidArgumentError("max_tpus must be at least 1");
  if (options.batch < 1) return InvalidArgumentError("the batch must hold at least one input");
  SEGPIPE_ASSIGN_OR_RETURN(SegmentTable table, SegmentTable::Build(model, options.spec));
  const int units = table.num_units();
  const int max_tpus = std::min(options.max_tpus, units);

  ModelSweep sweep;
  sweep.family = family;
  sweep.size = size;
  sweep.macs = ModelMacs(model);
  sweep.single = table.Result(0, units - 1);
  sweep.single_ms = sweep.single.device_ms;

  for (const HostProfile& host : options.hosts) {
    HostRuns runs;
    runs.host = host;
    ModelProfiler profiler(model, options.spec, host);
    for (int tpus = 2; tpus <= max_tpus; ++tpus) {
      for (SplitMethod method : kAllSplitMethods) {
        std::vector<int> last_unit;
        switch (method) {
          case SplitMethod::kDefault: {
            SEGPIPE_ASSIGN_OR_RETURN(last_unit,
                                     DefaultSplit(family, model, table, tpus, options.spec));
            break;
          }
          case SplitMethod::kProfiled: {
            if (family == PaperFamily::kFc) {
              SEGPIPE_ASSIGN_OR_RETURN(last_unit,
                                       ExhaustiveSimulatedSplit(table, tpus, host, options.batch));
            } else {
              SEGPIPE_ASSIGN_OR_RETURN(
                  last_unit, PlannedSplit(model, profiler, Strategy::kCoral,
                                          Objective::Throughput(), tpus, table.unit_ends()));
            }
            break;
          }
          case SplitMethod::kOptimal: {
            SEGPIPE_ASSIGN_OR_RETURN(
                last_unit, PlannedSplit(model, profiler, Strategy::kOptimal,
                                        Objective::Batch(options.batch), tpus, table.unit_ends()));
            break;
          }
        }
        SEGPIPE_ASSIGN_OR_RETURN(SplitRun run,
                                 RunSplit(table, last_unit, method, host, options.batch));
        runs.runs.push_back(std::move(run));
      }
    }
    SEGPIPE_ASSIGN_OR_RETURN(runs.auto_pipeline,
                             ChooseAuto(model, profiler, max_tpus, options.batch, false));
    SEGPIPE_ASSIGN_OR_RETURN(runs.auto_replicated,
                             ChooseAuto(model, profiler, max_tpus, options.batch, true));
    sweep.hosts.push_back(std::move(runs));
  }
  return sweep;
}

StatusOr<PaperSweep> RunPaperSweep(const PaperSweepOptions& options) {
  struct Job {
    PaperFamily family;
    int size;
  };
  std::vector<Job> jobs;
  for (int size : options.fc_sizes) jobs.push_back({PaperFamily::kFc, size});
  for (int size : options.conv_sizes) jobs.push_back({PaperFamily::kConv, size});
  std::vector<StatusOr<ModelSweep>> results(jobs.size(), InternalError("not run"));

  // Models are independent: workers take the next one until none is left. Synthesis dominates
  // and is pure, so the workers share nothing but the job counter and the progress callback.
  std::atomic<size_t> next{0};
  std::mutex progress_mutex;
  int done = 0;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      results[i] = SweepOne(jobs[i].family, jobs[i].size, options);
      if (!options.progress) continue;
      std::lock_guard<std::mutex> lock(progress_mutex);
      options.progress(++done, static_cast<int>(jobs.size()));
    }
  };
  const int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(jobs.size())));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& w : workers) w.join();

  PaperSweep sweep;
  sweep.options = options;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!results[i].ok()) return results[i].status();
    (jobs[i].family == PaperFamily::kFc ? sweep.fc : sweep.conv).push_back(std::move(*results[i]));
  }
  return sweep;
}

double Speedup(const ModelSweep& model, const SplitRun& run, bool at_batch) {
  const double ms = at_batch ? run.batch_ms : run.batch1_ms;
  return ms > 0 ? model.single_ms / ms : 0;
}

}  // namespace segpipe::report
