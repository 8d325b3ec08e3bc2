// Runs one strategy over a model's cut candidates and fills in the Plan; see planner.h.
#include "segpipe/partition/internal/planner.h"

#include <algorithm>
#include <limits>
#include <span>
#include <string>
#include <string_view>

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

// Where a device's stage runs: its stage host, or the coordinator (this process).
std::string_view EndpointOf(const StageDevice& device) {
  return device.host.empty() ? kCoordinator : std::string_view(device.host);
}

bool AnyHost(std::span<const StageDevice> devices) {
  return std::any_of(devices.begin(), devices.end(),
                     [](const StageDevice& d) { return !d.host.empty(); });
}

int64_t TensorBytes(const Model& model, std::span<const int32_t> tensors) {
  int64_t bytes = 0;
  for (int32_t t : tensors) bytes += model.tensor(t).num_bytes();
  return bytes;
}

// Bytes of one frame across the cut after each op of `last_ops`: the tensors live there, which
// is what the pipeline forwards over that edge.
std::vector<int64_t> LiveBytesAfter(const Model& model, std::span<const int> last_ops) {
  std::vector<int64_t> bytes;
  for (const std::vector<int32_t>& live : SegmentBoundaries(model, last_ops))
    bytes.push_back(TensorBytes(model, live));
  return bytes;
}

// Latency and period of stages with these times and the links between them: each link's wire
// time bounds the period, its transfer time adds to one input's latency.
PipelineTime TimeWithLinks(const Objective& objective, std::span<const double> stage_ms,
                           std::span<const int> replicas, std::span<const PlanLink> links) {
  PipelineTime time = ObjectivePipelineTime(objective, stage_ms, replicas);
  for (const PlanLink& link : links) {
    time.period = std::max(time.period, link.wire_ms);
    time.latency += link.transfer_ms;
  }
  return time;
}

// The context every strategy works in: the model's cut candidates and a cost function over them.
struct Search {
  const Model& model;
  SegmentProfiler& profiler;
  std::vector<int> unit_ends;  // last op of each unit
  bool on_chip_only = false;   // a segment that streams weights costs +inf
  // Set when some device has a stage host: the links then take part in every cost. Null for an
  // all-local device list, whose links are all free, so its costs are the stage times exactly.
  const NetworkModel* network = nullptr;
  Objective::Kind objective_kind = Objective::Kind::kThroughput;
  std::vector<int64_t> cut_bytes;  // network only: bytes live after each unit
  int64_t input_bytes = 0;         // network only: the model's inputs, into stage 0
  int64_t output_bytes = 0;        // network only: the model's outputs, out of the last stage

  void SetNetwork(const NetworkModel& net, Objective::Kind kind) {
    network = &net;
    objective_kind = kind;
    cut_bytes = LiveBytesAfter(model, unit_ends);
    input_bytes = TensorBytes(model, model.inputs);
    output_bytes = TensorBytes(model, model.outputs);
  }

  int num_units() const { return static_cast<int>(unit_ends.size()); }
  int first_op(int unit) const { return unit == 0 ? 0 : unit_ends[unit - 1] + 1; }

  // Stage time of units [first, last] on `device`; +inf when it must stay on chip and cannot.
  StatusOr<double> Cost(int first, int last, const StageDevice& device) {
    SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile p,
                             profiler.Profile(first_op(first), unit_ends[last], device));
    if (on_chip_only && p.off_chip_bytes > 0) return std::numeric_limits<double>::infinity();
    return p.stage_ms;
  }

  // A stage's cost with one of its links folded in (planner.h): a link's wire time bounds the
  // period (throughput, batch), its transfer time adds to the latency.
  double WithLink(double stage_ms, const LinkModel& link, int64_t bytes) const {
    if (objective_kind == Objective::Kind::kLatency)
      return stage_ms + static_cast<double>(link.TransferNs(bytes)) * 1e-6;
    return std::max(stage_ms, static_cast<double>(link.WireNs(bytes)) * 1e-6);
  }

  // Stage k of a split over `devices` (one stage each) costs its stage time with the link out of
  // it (to stage k + 1, or to the coordinator after the last) and, for stage 0, the link into it.
  SegmentCostFn CostOn(std::span<const StageDevice> devices) {
    if (network == nullptr)
      return [this, devices](int first, int last, int stage) -> StatusOr<double> {
        return Cost(first, last, devices[stage]);
      };
    // The links depend only on the stage, so each is looked up once, not per segment.
    const int s = static_cast<int>(devices.size());
    LinkModel in = network->Between(kCoordinator, EndpointOf(devices[0]));
    std::vector<LinkModel> out;
    for (int k = 0; k < s; ++k)
      out.push_back(network->Between(EndpointOf(devices[k]),
                                     k + 1 < s ? EndpointOf(devices[k + 1]) : kCoordinator));
    return [this, devices, s, in = std::move(in), out = std::move(out)](
               int first, int last, int stage) -> StatusOr<double> {
      SEGPIPE_ASSIGN_OR_RETURN(double t, Cost(first, last, devices[stage]));
      t = WithLink(t, out[stage], stage + 1 == s ? output_bytes : cut_bytes[last]);
      if (stage == 0) t = WithLink(t, in, input_bytes);
      return t;
    };
  }

  // The links a partition's frames cross between two different endpoints, in frame order; none
  // without a network.
  std::vector<PlanLink> Links(const Partition& p) const {
    std::vector<PlanLink> links;
    if (network == nullptr || p.segments.empty()) return links;
    std::vector<int> last_ops;
    for (const Segment& seg : p.segments) last_ops.push_back(seg.last_op);
    const std::vector<int64_t> live = LiveBytesAfter(model, last_ops);
    auto add = [&](std::string_view from, std::string_view to, int after_stage, int64_t bytes) {
      if (from == to) return;
      const LinkModel link = network->Between(from, to);
      links.push_back({std::string(from), std::string(to), after_stage, bytes,
                       static_cast<double>(link.WireNs(bytes)) * 1e-6,
                       static_cast<double>(link.TransferNs(bytes)) * 1e-6, link.source});
    };
    add(kCoordinator, EndpointOf(p.segments[0].device), 0, input_bytes);
    const size_t s = p.segments.size();
    for (size_t k = 0; k < s; ++k)
      add(EndpointOf(p.segments[k].device),
          k + 1 < s ? EndpointOf(p.segments[k + 1].device) : kCoordinator,
          static_cast<int>(k + 1), k + 1 < s ? live[k] : output_bytes);
    return links;
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
  const PipelineTime time =
      TimeWithLinks(objective, t, Replicas(partition), search.Links(partition));
  option.time_per_inference_ms = TimePerInferenceOf(objective, time);
  option.throughput_per_s = 1000.0 / time.period;
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
  // Replication needs interchangeable devices and serves only the period, not latency. Not
  // across stage hosts either: a stage's replicas would sit behind links of their own, which the
  // replicated search does not cost (MakePlan reports that it was left out).
  const bool same_kind = std::all_of(devices.begin(), devices.end(), [&](const StageDevice& d) {
    return d.kind == devices[0].kind;
  });
  if (options.allow_replication && same_kind && search.network == nullptr &&
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
  if (AnyHost(options.devices)) search.SetNetwork(options.network, options.objective.kind);
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
  plan.replication_off_for_hosts = options.strategy == Strategy::kAuto &&
                                   options.allow_replication && search.network != nullptr;
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
  plan.links = search.Links(plan.partition);
  const PipelineTime pipeline_time =
      TimeWithLinks(effective.objective, t, Replicas(plan.partition), plan.links);
  plan.objective_value = ObjectiveValueOf(effective.objective, pipeline_time);
  plan.time_per_inference_ms = TimePerInferenceOf(effective.objective, pipeline_time);
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
