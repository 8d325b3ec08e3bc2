// Runs one strategy over a model's cut candidates and fills in the Plan; see planner.h.
#include "segpipe/partition/internal/planner.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/partition/internal/exhaustive.h"
#include "segpipe/partition/internal/optimal.h"
#include "segpipe/partition/internal/replicate.h"

namespace segpipe {
namespace {

constexpr Strategy kAll[] = {Strategy::kUniform, Strategy::kParams,  Strategy::kCoral,
                             Strategy::kExhaustive, Strategy::kOptimal, Strategy::kAuto};

// The context every strategy works in: the model's cut candidates and a cost function over them.
struct Search {
  const Model& model;
  SegmentProfiler& profiler;
  std::vector<int> unit_ends;  // last op of each unit
  bool on_chip_only = false;   // a segment that streams weights costs +inf

  int num_units() const { return static_cast<int>(unit_ends.size()); }
  int first_op(int unit) const { return unit == 0 ? 0 : unit_ends[unit - 1] + 1; }

  // Stage time of units [first, last] on `device`; +inf when it must stay on chip and cannot.
  StatusOr<double> Cost(int first, int last, const StageDevice& device) {
    SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile p,
                             profiler.Profile(first_op(first), unit_ends[last], device));
    if (on_chip_only && p.off_chip_bytes > 0) return std::numeric_limits<double>::infinity();
    return p.stage_ms;
  }

  SegmentCostFn CostOn(std::span<const StageDevice> devices) {
    return [this, devices](int first, int last, int stage) -> StatusOr<double> {
      return Cost(first, last, devices[stage]);
    };
  }
};

// Why no plan over `devices` keeps every weight on chip: no contiguous split at all (a layer no
// Edge TPU can hold with the activation it receives), or the fewest Edge TPUs that can, found
// exactly over contiguous splits.
Status OnChipRefusal(Search& search, std::span<const StageDevice> devices) {
  const int n = search.num_units();
  constexpr int kNone = std::numeric_limits<int>::max();
  // fewest[k]: fewest on-chip segments covering the first k units.
  std::vector<int> fewest(n + 1, kNone);
  fewest[0] = 0;
  for (int last = 0; last < n; ++last)
    for (int first = last; first >= 0; --first) {
      if (fewest[first] == kNone) continue;
      SEGPIPE_ASSIGN_OR_RETURN(double cost, search.Cost(first, last, devices[0]));
      if (cost < std::numeric_limits<double>::infinity())
        fewest[last + 1] = std::min(fewest[last + 1], fewest[first] + 1);
    }
  if (fewest[n] == kNone) {
    // The first layer no on-chip segment reaches past.
    int reach = 0;
    for (int k = 0; k <= n; ++k)
      if (fewest[k] != kNone) reach = k;
    SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile p,
                             search.profiler.Profile(search.first_op(reach),
                                                     search.unit_ends[reach], devices[0]));
    return FailedPreconditionError(fmt::format(
        "the model is too large for any plan that keeps every weight on chip: layer {} (ops "
        "{}-{}, {:.2f} MiB of weights) does not fit on one Edge TPU together with the activation "
        "it receives; drop --on-chip-only to let weights stream from host memory",
        reach + 1, search.first_op(reach), search.unit_ends[reach],
        static_cast<double>(p.on_chip_bytes + p.off_chip_bytes) / (1 << 20)));
  }
  if (fewest[n] <= static_cast<int>(devices.size()))  // fewer, larger segments fit; more do not
    return FailedPreconditionError(fmt::format(
        "no split into exactly {} segments keeps every weight on chip (later segments must also "
        "hold their input activation), but a split into {} does: use --devices edgetpu:{} or "
        "--strategy auto", devices.size(), fewest[n], fewest[n]));
  return FailedPreconditionError(fmt::format(
      "no split over {} Edge TPU{} keeps every weight on chip; it takes at least {} (try "
      "--devices edgetpu:{}, or drop --on-chip-only to let weights stream)",
      devices.size(), devices.size() == 1 ? "" : "s", fewest[n], fewest[n]));
}

// The compiler's split (params) or the paper's layer-count split (uniform), as last units.
StatusOr<std::vector<int>> CompilerSplit(const Search& search, int num_stages, SplitKind kind) {
  return SplitLastLayers(search.model, search.unit_ends, num_stages, SplitSpec{.kind = kind},
                         search.profiler.edgetpu_spec());
}

struct Chosen {
  Partition partition;
  double pipeline_time_ms = -1;
  std::vector<AutoOption> auto_options;
};

StatusOr<Chosen> AutoChoose(Search& search, const PlanOptions& options);

StatusOr<Chosen> Choose(Search& search, const PlanOptions& options) {
  const int n = search.num_units();
  const int s = static_cast<int>(options.devices.size());
  std::span<const StageDevice> devices = options.devices;
  // auto picks its own device count (1..min(devices, layers), replicas beyond that).
  if (options.strategy == Strategy::kAuto) return AutoChoose(search, options);
  SEGPIPE_RETURN_IF_ERROR(CheckSplitShape(n, s));
  Chosen chosen;
  std::vector<int> last;
  switch (options.strategy) {
    case Strategy::kUniform: {
      SEGPIPE_ASSIGN_OR_RETURN(last, CompilerSplit(search, s, SplitKind::kUniform));
      break;
    }
    case Strategy::kParams: {
      SEGPIPE_ASSIGN_OR_RETURN(last, CompilerSplit(search, s, SplitKind::kParams));
      break;
    }
    case Strategy::kOptimal: {
      SEGPIPE_ASSIGN_OR_RETURN(UnitSplit split,
                               OptimalSplit(n, s, options.objective, search.CostOn(devices)));
      last = split.last_unit;
      break;
    }
    case Strategy::kCoral: {
      SEGPIPE_ASSIGN_OR_RETURN(std::vector<int> initial,
                               CompilerSplit(search, s, SplitKind::kParams));
      SEGPIPE_ASSIGN_OR_RETURN(UnitSplit split,
                               CoralSplit(n, s, options.objective, search.CostOn(devices),
                                          initial, options.coral));
      last = split.last_unit;
      break;
    }
    case Strategy::kExhaustive: {
      int batch = options.exhaustive_batch;
      if (options.objective.kind == Objective::Kind::kBatch) batch = options.objective.batch_size;
      if (options.objective.kind == Objective::Kind::kLatency) batch = 1;
      SEGPIPE_ASSIGN_OR_RETURN(
          ExhaustiveResult result,
          ExhaustiveSplit(n, s, options.max_exhaustive_partitions,
                          [&](std::span<const int> l) -> StatusOr<double> {
                            return search.profiler.TimePipelineMs(
                                PartitionFromUnits(search.unit_ends, l, devices), batch);
                          }));
      last = result.last_unit;
      chosen.pipeline_time_ms = result.time_per_inference_ms;
      break;
    }
    case Strategy::kAuto:
      return AutoChoose(search, options);
  }
  chosen.partition = PartitionFromUnits(search.unit_ends, last, devices);
  return chosen;
}

// Stage times of a partition (one device each).
StatusOr<std::vector<double>> StageTimes(SegmentProfiler& profiler, const Partition& p) {
  std::vector<double> t;
  for (const Segment& s : p.segments) {
    SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile profile,
                             profiler.Profile(s.first_op, s.last_op, s.device));
    t.push_back(profile.stage_ms);
  }
  return t;
}

std::vector<int> Replicas(const Partition& p) {
  std::vector<int> r;
  for (const Segment& s : p.segments) r.push_back(s.replicas);
  return r;
}

StatusOr<AutoOption> MakeOption(Search& search, const Objective& objective, Partition partition,
                                int devices_used) {
  AutoOption option;
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<double> t, StageTimes(search.profiler, partition));
  option.devices_used = devices_used;
  option.replicated = partition.num_devices() > static_cast<int>(partition.segments.size());
  option.layout = FormatLayers(partition, search.unit_ends);
  const std::vector<int> replicas = Replicas(partition);
  option.time_per_inference_ms = TimePerInferenceMs(objective, t, replicas);
  option.throughput_per_s = 1000.0 / ObjectivePipelineTime(objective, t, replicas).period;
  option.partition = std::move(partition);
  return option;
}

StatusOr<Chosen> AutoChoose(Search& search, const PlanOptions& options) {
  const int n = search.num_units();
  const int max_devices = static_cast<int>(options.devices.size());
  std::span<const StageDevice> devices = options.devices;
  Chosen chosen;
  std::vector<AutoOption>& rows = chosen.auto_options;
  for (int d = 1; d <= std::min(n, max_devices); ++d) {
    StatusOr<UnitSplit> found = OptimalSplit(n, d, options.objective, search.CostOn(devices.first(d)));
    // With --on-chip-only, too few devices to keep every weight on chip is not an error here.
    if (search.on_chip_only && found.status().code() == StatusCode::kFailedPrecondition) continue;
    SEGPIPE_ASSIGN_OR_RETURN(UnitSplit split, std::move(found));
    SEGPIPE_ASSIGN_OR_RETURN(
        AutoOption row,
        MakeOption(search, options.objective,
                   PartitionFromUnits(search.unit_ends, split.last_unit, devices), d));
    rows.push_back(std::move(row));
  }
  // Replication needs interchangeable devices and serves only the period, not latency.
  const bool same_kind = std::all_of(devices.begin(), devices.end(), [&](const StageDevice& d) {
    return d.kind == devices[0].kind;
  });
  if (options.allow_replication && same_kind &&
      options.objective.kind != Objective::Kind::kLatency) {
    auto cost = [&](int first, int last) -> StatusOr<double> {
      return search.Cost(first, last, devices[0]);
    };
    SEGPIPE_ASSIGN_OR_RETURN(std::vector<ReplicatedSplit> best,
                             BestReplicatedSplits(n, max_devices, cost,
                                                  options.objective.serialized_host_ms_per_stage));
    for (const ReplicatedSplit& r : best) {
      if (r.devices_used == 0 || r.last_unit.size() == static_cast<size_t>(r.devices_used))
        continue;  // no layout, or nothing replicated: the plain row covers it
      Partition p;
      int first_op = 0, next_device = 0;
      for (size_t k = 0; k < r.last_unit.size(); ++k) {
        const int last_op = search.unit_ends[r.last_unit[k]];
        p.segments.push_back({first_op, last_op, devices[next_device], r.replicas[k]});
        next_device += r.replicas[k];
        first_op = last_op + 1;
      }
      SEGPIPE_ASSIGN_OR_RETURN(AutoOption row,
                               MakeOption(search, options.objective, std::move(p),
                                          r.devices_used));
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) return OnChipRefusal(search, devices);
  std::stable_sort(rows.begin(), rows.end(), [](const AutoOption& a, const AutoOption& b) {
    return a.devices_used < b.devices_used;
  });
  double best_time = std::numeric_limits<double>::infinity();
  for (const AutoOption& r : rows) best_time = std::min(best_time, r.time_per_inference_ms);
  // The per-device column's baseline is fixed: the whole model on one device of the first kind,
  // even when that layout is not a row (--on-chip-only drops it when its weights stream), so the
  // same layout reads the same whatever the flags.
  SEGPIPE_ASSIGN_OR_RETURN(
      AutoOption one,
      MakeOption(search, options.objective,
                 PartitionFromUnits(search.unit_ends, std::vector<int>{n - 1}, devices), 1));
  const double one_device = one.throughput_per_s;
  AutoOption* pick = nullptr;
  for (AutoOption& r : rows) {
    r.efficiency = r.throughput_per_s / (r.devices_used * one_device);
    // Rows are ordered by devices, plain before replicated: the first one close enough to the
    // best wins, so a device that adds almost nothing is left out.
    if (!pick && r.time_per_inference_ms <= best_time * (1 + options.auto_tolerance)) pick = &r;
  }
  pick->chosen = true;
  chosen.partition = pick->partition;
  return chosen;
}

}  // namespace

StatusOr<Strategy> ParseStrategy(std::string_view text) {
  for (Strategy s : kAll)
    if (StrategyName(s) == text) return s;
  return InvalidArgumentError(fmt::format(
      "unknown strategy '{}' (expected uniform, params, exhaustive, coral, optimal or auto)",
      text));
}

std::string_view StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kUniform:
      return "uniform";
    case Strategy::kParams:
      return "params";
    case Strategy::kExhaustive:
      return "exhaustive";
    case Strategy::kCoral:
      return "coral";
    case Strategy::kOptimal:
      return "optimal";
    case Strategy::kAuto:
      return "auto";
  }
  return "?";
}

std::vector<Strategy> AllStrategies() { return {std::begin(kAll), std::end(kAll)}; }

StatusOr<Plan> MakePlan(const Model& model, SegmentProfiler& profiler, const PlanOptions& options) {
  if (model.ops.empty()) return InvalidArgumentError("the model has no ops to partition");
  if (options.devices.empty()) return InvalidArgumentError("no devices to plan for (--devices)");
  Search search{model, profiler, CutCandidates(model), options.on_chip_only};
  if (options.on_chip_only) {
    for (const StageDevice& d : options.devices)
      if (!IsEdgeTpu(d.kind))
        return InvalidArgumentError(fmt::format(
            "--on-chip-only applies to Edge TPU devices, and {} is not one; use --devices "
            "edgetpu:N", DeviceName(d)));
  }
  const int64_t profiles_before = profiler.profiles_taken();
  const int64_t runs_before = profiler.pipeline_runs();
  PlanOptions effective = options;
  const PipelineOverheads overheads = HostOverheadsNs(profiler.host_profile());
  effective.objective.serialized_host_ms_per_stage = overheads.serialized_per_stage * 1e-6;
  effective.objective.fixed_ms = overheads.fixed * 1e-6;
  StatusOr<Chosen> chosen_or = Choose(search, effective);
  // The optimal search finds no finite split when every one streams: say why.
  if (options.on_chip_only && chosen_or.status().code() == StatusCode::kFailedPrecondition &&
      options.strategy == Strategy::kOptimal)
    return OnChipRefusal(search, options.devices);
  SEGPIPE_ASSIGN_OR_RETURN(Chosen chosen, std::move(chosen_or));

  Plan plan;
  plan.strategy = options.strategy;
  plan.objective = options.objective;
  plan.profile = profiler.name();
  plan.partition = std::move(chosen.partition);
  plan.pipeline_time_ms = chosen.pipeline_time_ms;
  plan.auto_options = std::move(chosen.auto_options);
  std::vector<double> t;
  for (const Segment& s : plan.partition.segments) {
    SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile p, profiler.Profile(s.first_op, s.last_op, s.device));
    if (options.on_chip_only && p.off_chip_bytes > 0)
      return FailedPreconditionError(fmt::format(
          "the {} split streams {:.2f} MiB of weights from host memory on stage {} ({}), which "
          "--on-chip-only forbids; use --strategy optimal or auto, which search only on-chip "
          "splits", StrategyName(options.strategy),
          static_cast<double>(p.off_chip_bytes) / (1 << 20), plan.segments.size() + 1,
          DeviceName(s.device)));
    plan.segments.push_back(p);
    t.push_back(p.stage_ms);
  }
  const std::vector<int> replicas = Replicas(plan.partition);
  plan.objective_value = ObjectiveValue(effective.objective, t, replicas);
  plan.time_per_inference_ms = TimePerInferenceMs(effective.objective, t, replicas);
  const PipelineTime pipeline_time = ObjectivePipelineTime(effective.objective, t, replicas);
  plan.period_ms = pipeline_time.period;
  plan.latency_ms = pipeline_time.latency;
  plan.profiles_taken = profiler.profiles_taken() - profiles_before;
  plan.pipeline_runs = profiler.pipeline_runs() - runs_before;
  plan.num_layers = search.num_units();
  plan.exhaustive_count =
      CountSplits(search.num_units(), static_cast<int>(plan.partition.segments.size()));
  return plan;
}

}  // namespace segpipe
