// `segpipe plan MODEL --devices edgetpu:4 [--strategy S] [--objective O] [--profile P]
//  [--hosts FILE] [--compare] [--json] [-o PLAN.json]`: choose how to split a model over devices
// and show the split, per-segment memory and stage time, the objective and how many profiles it
// took. With devices on stage hosts (`cpu:1@10.0.0.2:7070`) it also shows the links the frames
// cross, as the hosts file gives them or, without one, as the default link assumes them.
// `--compare` runs every strategy on the same model side by side (and, with --pipeline-batch,
// times each chosen split as a whole pipeline in the same run).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "json_vocabulary.h"
#include "plan_svg.h"
#include "segpipe/api/internal/profiler_factory.h"
#include "segpipe/core/internal/file_io.h"
#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/device/internal/network_model.h"
#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/partition/internal/plan_file.h"
#include "segpipe/partition/internal/planner.h"
#include "segpipe/pipeline/internal/profilers.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/report/internal/progress.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe::cli {
namespace {

struct PlanFlags {
  std::string model_path;
  std::string devices = "edgetpu:4";
  std::string strategy = "optimal";
  std::string objective = "throughput";
  std::string profile = "model";
  std::string host_profile = "native";
  std::string strategies;  // --compare subset
  std::string hosts;       // --hosts: the links between the coordinator and stage hosts
  int batch = 50;
  int64_t max_partitions = 100000;
  double diff_threshold_ms = 0.001;
  int step = 1;
  bool no_replication = false;
  bool on_chip_only = false;
  bool compare = false;
  bool json = false;
  int pipeline_batch = 0;
  int rounds = 3;
  int measure_repeats = 5;
  std::string output;
  std::string svg;                // --svg: the chosen split as a picture
  const CLI::App* cmd = nullptr;  // which flags were given
};

// Flags that mean something only with --compare, and outputs --compare does not write.
Status CheckFlagCombination(const PlanFlags& flags) {
  const CLI::App& cmd = *flags.cmd;
  if (!flags.compare) {
    for (const char* flag : {"--strategies", "--pipeline-batch", "--rounds"})
      SEGPIPE_RETURN_IF_ERROR(RejectIfGiven(cmd, flag, "it applies to --compare; add --compare"));
  } else {
    SEGPIPE_RETURN_IF_ERROR(RejectIfGiven(
        cmd, "-o", "--compare prints several plans and writes none; drop --compare to write one"));
    SEGPIPE_RETURN_IF_ERROR(
        RejectIfGiven(cmd, "--svg", "--compare draws no single split; drop --compare to draw one"));
    SEGPIPE_RETURN_IF_ERROR(RejectIfGiven(
        cmd, "--strategy", "--compare runs every strategy (choose some with --strategies)"));
  }
  if (!flags.output.empty())
    SEGPIPE_RETURN_IF_ERROR(
        CheckOutputIsNotAnInput(flags.output, "-o", {flags.model_path, flags.hosts}));
  if (!flags.svg.empty())
    SEGPIPE_RETURN_IF_ERROR(
        CheckOutputIsNotAnInput(flags.svg, "--svg", {flags.model_path, flags.hosts}));
  return OkStatus();
}

// `index` (from 1) and `layers` ([first, last], 1-based) on every segment of a plan's JSON, the
// keys every stage and segment in segpipe's JSON has.
void AddSegmentIndexAndLayers(nlohmann::json& plan_json, std::span<const int> ends) {
  for (size_t k = 0; k < plan_json["segments"].size(); ++k) {
    nlohmann::json& seg = plan_json["segments"][k];
    const int first = seg["first_op"].get<int>(), last = seg["last_op"].get<int>();
    seg["index"] = k + 1;
    seg["layers"] = {std::lower_bound(ends.begin(), ends.end(), first) - ends.begin() + 1,
                     std::lower_bound(ends.begin(), ends.end(), last) - ends.begin() + 1};
  }
}

// CPU stages next to Edge TPU stages under `model` or `simulate`: the Edge TPUs use that profile
// and the CPU cores are measured, since there is no analytic CPU model (api::MakeProfiler).
StatusOr<std::unique_ptr<SegmentProfiler>> MakeProfiler(const Model& model,
                                                        const PlanFlags& flags) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<StageDevice> devices, api::ParseDevices(flags.devices));
  return api::MakeProfiler(model, devices, flags.profile, flags.host_profile,
                           flags.measure_repeats);
}

std::string LayerRange(std::span<const int> ends, const Segment& s) {
  auto first = std::lower_bound(ends.begin(), ends.end(), s.first_op) - ends.begin();
  auto last = std::lower_bound(ends.begin(), ends.end(), s.last_op) - ends.begin();
  return first == last ? fmt::format("{}", first + 1) : fmt::format("{}-{}", first + 1, last + 1);
}

void PrintAutoTable(const Plan& plan, const std::string& first_device) {
  std::printf("%-8s %-26s %14s %14s %10s\n", "devices", "layout", "time/inf (ms)",
              "inferences/s", "per-device");
  std::printf(
      "(per-device: the layout's speedup over the whole model on one %s, divided by the "
      "devices it uses; 100%% = linear scaling)\n",
      first_device.c_str());
  for (const AutoOption& o : plan.auto_options)
    std::printf("%-8d %-26s %14.4f %14.1f %9.0f%%%s\n", o.devices_used, o.layout.c_str(),
                o.time_per_inference_ms, o.throughput_per_s, 100 * o.efficiency,
                o.chosen ? "  <- chosen" : "");
  std::printf("\n");
}

// The links of a plan whose devices are on stage hosts, and where their figures come from.
void PrintLinks(const Plan& plan, const std::string& hosts_file) {
  if (plan.links.empty()) return;
  const LinkModel d = DefaultLink();
  if (hosts_file.empty()) {
    std::printf("links (assumed, not measured: without --hosts each is taken to be %g ms one way "
                "and %g Mbit/s):\n",
                d.latency_ms, d.bandwidth_mbit_s);
  } else {
    const bool assumed = std::any_of(plan.links.begin(), plan.links.end(),
                                     [&](const PlanLink& l) { return l.source == d.source; });
    std::printf("links (from %s%s):\n", hosts_file.c_str(),
                assumed ? fmt::format("; '{}': not in it, assumed {:g} ms and {:g} Mbit/s",
                                      d.source, d.latency_ms, d.bandwidth_mbit_s)
                              .c_str()
                        : "");
  }
  std::printf("  %-22s %-22s %12s %10s %12s  %s\n", "from", "to", "bytes", "wire ms",
              "transfer ms", "source");
  for (const PlanLink& l : plan.links)
    std::printf("  %-22s %-22s %12lld %10.4f %12.4f  %s\n", l.from.c_str(),
                ("-> " + l.to).c_str(), static_cast<long long>(l.bytes), l.wire_ms,
                l.transfer_ms, l.source.c_str());
  std::printf("  (wire time bounds the period; transfer time, latency included, adds to the "
              "latency)\n");
}

void PrintPlan(const Model& model, const Plan& plan, const std::string& hosts_file) {
  const std::vector<int> ends = CutCandidates(model);
  if (!plan.auto_options.empty())
    PrintAutoTable(plan, std::string(DeviceKindName(plan.partition.segments.front().device.kind)));
  std::printf("strategy %s: %s\n", std::string(StrategyName(plan.strategy)).c_str(),
              FormatLayers(plan.partition, ends).c_str());
  // Devices on stage hosts have long names ("edgetpu:0@10.0.0.2:7070 x2"): widen the column
  // for them only, so that plans over local devices print as they always have.
  int device_width = 12;
  for (const Segment& s : plan.partition.segments)
    if (!s.device.host.empty())
      device_width = std::max(device_width, static_cast<int>(DeviceName(s.device).size()) + 5);
  std::printf("  %-4s %-8s %-10s %-*s %10s %10s %10s\n", "seg", "layers", "ops", device_width,
              "device", "on-chip", "off-chip", "stage ms");
  for (size_t k = 0; k < plan.segments.size(); ++k) {
    const Segment& s = plan.partition.segments[k];
    const SegmentProfile& p = plan.segments[k];
    std::string device = DeviceName(s.device);
    if (s.replicas > 1) device += fmt::format(" x{}", s.replicas);
    // On-chip and off-chip bytes are Edge TPU parameter placement; a CPU stage has neither.
    const bool tpu = IsEdgeTpu(s.device.kind);
    std::printf("  %-4zu %-8s %-10s %-*s %10s %10s %10.4f\n", k + 1, LayerRange(ends, s).c_str(),
                fmt::format("{}-{}", s.first_op, s.last_op).c_str(), device_width, device.c_str(),
                tpu ? FormatCompilerBytes(p.on_chip_bytes).c_str() : "-",
                tpu ? FormatCompilerBytes(p.off_chip_bytes).c_str() : "-", p.stage_ms);
  }
  PrintLinks(plan, hosts_file);
  if (plan.replication_off_for_hosts)
    std::printf("replication: off, the devices are on stage hosts (auto does not replicate a "
                "stage across hosts)\n");
  if (plan.objective.kind == Objective::Kind::kLatency) {
    std::printf("objective latency: %.4f ms for one input through the empty pipeline (period "
                "%.4f ms, %.1f inferences/s)\n",
                plan.latency_ms, plan.period_ms, 1000.0 / plan.period_ms);
  } else {
    std::printf("objective %s: %.4f ms per inference (period %.4f ms, %.1f inferences/s; one "
                "input alone %.4f ms)\n",
                ObjectiveName(plan.objective).c_str(), plan.time_per_inference_ms, plan.period_ms,
                1000.0 / plan.period_ms, plan.latency_ms);
  }
  if (plan.pipeline_time_ms >= 0)
    std::printf("pipeline time (batch, %s): %.4f ms per inference\n", plan.profile.c_str(),
                plan.pipeline_time_ms);
  std::printf("profiles taken: %lld segment profiles, %lld pipeline runs (exhaustive: %lld "
              "pipeline runs for %d layers on %zu stages)\n",
              static_cast<long long>(plan.profiles_taken),
              static_cast<long long>(plan.pipeline_runs),
              static_cast<long long>(plan.exhaustive_count), plan.num_layers,
              plan.partition.segments.size());
}

Status RunCompare(const Model& model, const PlanFlags& flags, PlanOptions options) {
  std::vector<Strategy> strategies = AllStrategies();
  if (!flags.strategies.empty()) {
    strategies.clear();
    size_t pos = 0;
    while (pos <= flags.strategies.size()) {
      size_t comma = flags.strategies.find(',', pos);
      if (comma == std::string::npos) comma = flags.strategies.size();
      SEGPIPE_ASSIGN_OR_RETURN(Strategy s,
                               ParseStrategy(flags.strategies.substr(pos, comma - pos)));
      strategies.push_back(s);
      pos = comma + 1;
    }
  }
  std::vector<Plan> plans;
  std::vector<std::string> errors;
  report::BusyIndicator busy("segpipe plan --compare", ProgressWanted());
  for (Strategy s : strategies) {
    options.strategy = s;
    SEGPIPE_ASSIGN_OR_RETURN(auto profiler, MakeProfiler(model, flags));
    auto plan = MakePlan(model, *profiler, options);
    if (!plan.ok()) {
      // One strategy refusing (exhaustive above its limit) does not hide the others.
      errors.push_back(fmt::format("{}: {}", StrategyName(s), plan.status().message()));
      continue;
    }
    plans.push_back(std::move(*plan));
  }
  // Time every chosen split as a whole pipeline, interleaving strategies over several rounds so
  // that machine noise hits them alike; the median round is kept.
  std::vector<double> pipeline_ms(plans.size(), -1);
  if (flags.pipeline_batch > 0) {
    SEGPIPE_ASSIGN_OR_RETURN(auto timer, MakeProfiler(model, flags));
    std::vector<std::vector<double>> samples(plans.size());
    for (int r = 0; r < std::max(1, flags.rounds); ++r)
      for (size_t i = 0; i < plans.size(); ++i) {
        auto t = timer->TimePipelineMs(plans[i].partition, flags.pipeline_batch);
        if (!t.ok()) return t.status().WithContext(std::string(StrategyName(plans[i].strategy)));
        samples[i].push_back(*t);
      }
    for (size_t i = 0; i < plans.size(); ++i) {
      std::sort(samples[i].begin(), samples[i].end());
      pipeline_ms[i] = samples[i][samples[i].size() / 2];
    }
  }
  busy.Finish();
  const std::vector<int> ends = CutCandidates(model);
  if (flags.json) {
    nlohmann::json out = JsonHeader(flags.model_path);
    out["plans"] = nlohmann::json::array();
    for (size_t i = 0; i < plans.size(); ++i) {
      nlohmann::json j = PlanToJson(plans[i], static_cast<int>(model.ops.size()));
      AddSegmentIndexAndLayers(j, ends);
      j["layout"] = FormatLayers(plans[i].partition, ends);
      const double one_input_ms = plans[i].latency_ms;
      j["latency_ms"] = LatencyJson({one_input_ms, one_input_ms, one_input_ms, one_input_ms});
      if (pipeline_ms[i] >= 0) {
        j["measured_pipeline_ms"] = pipeline_ms[i];
        j["measured_pipeline_batch"] = flags.pipeline_batch;
      }
      out["plans"].push_back(std::move(j));
    }
    out["errors"] = errors;
    std::printf("%s\n", out.dump(2).c_str());
    return OkStatus();
  }
  std::printf("%s on %s, objective %s, profile %s\n", flags.model_path.c_str(),
              flags.devices.c_str(), ObjectiveName(options.objective).c_str(),
              flags.profile.c_str());
  std::printf("%-11s %-24s %14s %12s %10s %10s", "strategy", "split", "time/inf (ms)",
              "bottleneck", "profiles", "pipelines");
  if (flags.pipeline_batch > 0)
    std::printf(" %16s", fmt::format("run B={} (ms)", flags.pipeline_batch).c_str());
  std::printf("\n");
  for (size_t i = 0; i < plans.size(); ++i) {
    const Plan& p = plans[i];
    std::printf("%-11s %-24s %14.4f %12.4f %10lld %10lld",
                std::string(StrategyName(p.strategy)).c_str(),
                FormatLayers(p.partition, ends).c_str(), p.time_per_inference_ms, p.period_ms,
                static_cast<long long>(p.profiles_taken), static_cast<long long>(p.pipeline_runs));
    if (pipeline_ms[i] >= 0) std::printf(" %16.4f", pipeline_ms[i]);
    std::printf("\n");
  }
  for (const std::string& e : errors) std::printf("refused: %s\n", e.c_str());
  if (std::any_of(plans.begin(), plans.end(), [](const Plan& p) { return !p.links.empty(); }))
    std::printf("times include the links between stage hosts (%s); plan one strategy to list "
                "them\n",
                flags.hosts.empty() ? "assumed, no --hosts" : flags.hosts.c_str());
  return OkStatus();
}

Status Run(const PlanFlags& flags) {
  SEGPIPE_RETURN_IF_ERROR(CheckFlagCombination(flags));
  SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(flags.model_path));
  PlanOptions options;
  SEGPIPE_ASSIGN_OR_RETURN(options.strategy, ParseStrategy(flags.strategy));
  SEGPIPE_ASSIGN_OR_RETURN(options.objective, ParseObjective(flags.objective));
  SEGPIPE_ASSIGN_OR_RETURN(options.devices, ParseStageDevices(flags.devices));
  if (flags.batch < 1) return InvalidArgumentError("--batch must be >= 1");
  if (flags.max_partitions < 1) return InvalidArgumentError("--max-partitions must be >= 1");
  options.exhaustive_batch = flags.batch;
  options.max_exhaustive_partitions = flags.max_partitions;
  options.coral.diff_threshold_ms = flags.diff_threshold_ms;
  options.coral.step = flags.step;
  options.allow_replication = !flags.no_replication;
  options.on_chip_only = flags.on_chip_only;
  if (!flags.hosts.empty()) {
    std::vector<DeviceSpec> specs;
    for (const StageDevice& d : options.devices) specs.push_back({d.kind, d.host});
    if (!HasRemoteDevices(specs))
      return InvalidArgumentError(fmt::format(
          "--hosts gives the links to stage hosts, and no device of '{}' has one; name them "
          "as KIND:COUNT@HOST:PORT, e.g. --devices cpu:1@10.0.0.2:7070,edgetpu:2@10.0.0.3:7070",
          flags.devices));
    SEGPIPE_ASSIGN_OR_RETURN(options.network, LoadHostsFile(flags.hosts));
  }
  if (flags.compare) return RunCompare(model, flags, options);

  // Measured profiles (--profile measure, CPU stages) and exhaustive searches take seconds.
  report::BusyIndicator busy("segpipe plan", ProgressWanted());
  SEGPIPE_ASSIGN_OR_RETURN(auto profiler, MakeProfiler(model, flags));
  SEGPIPE_ASSIGN_OR_RETURN(Plan plan, MakePlan(model, *profiler, options));
  busy.Finish();
  const int num_ops = static_cast<int>(model.ops.size());
  // The printed JSON and the plan file are one object: LoadPlanFile ignores the extra keys.
  nlohmann::json j = PlanToJson(plan, num_ops);
  SEGPIPE_RETURN_IF_ERROR(AddModelFingerprint(j, flags.model_path));
  j["segpipe_version"] = std::string(kSegpipeVersion);
  AddSegmentIndexAndLayers(j, CutCandidates(model));
  j["layout"] = FormatLayers(plan.partition, CutCandidates(model));
  // Every plan written can run: `run --plan` takes the same devices, split and replicas, shown
  // here in `segpipe run --devices/--split` form.
  LoadedPlan loaded;
  loaded.partition = plan.partition;
  loaded.num_ops = num_ops;
  StatusOr<RunConfig> runnable = RunConfigForPlan(loaded, model);
  if (!runnable.ok())
    return FailedPreconditionError(fmt::format("the {} plan {} cannot run as a pipeline: {}",
                                               StrategyName(plan.strategy),
                                               j["layout"].get<std::string>(),
                                               runnable.status().message()));
  // One input through the empty pipeline, modelled: a single time, so every percentile is it.
  j["latency_ms"] =
      LatencyJson({plan.latency_ms, plan.latency_ms, plan.latency_ms, plan.latency_ms});
  j["run_split"] = runnable->split;
  j["run_devices"] = runnable->devices;
  if (!runnable->replicas.empty()) j["run_replicas"] = runnable->replicas;
  if (flags.json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s: %d ops, %d layers; devices %s; profile %s\n", flags.model_path.c_str(),
                num_ops, plan.num_layers, flags.devices.c_str(), plan.profile.c_str());
    PrintPlan(model, plan, flags.hosts);
  }
  if (!flags.output.empty()) {
    SEGPIPE_RETURN_IF_ERROR(WriteFileAtomically(flags.output, j.dump(2) + "\n"));
    if (!flags.json) std::printf("plan written to %s\n", flags.output.c_str());
  }
  if (!flags.svg.empty()) {
    SEGPIPE_RETURN_IF_ERROR(
        WriteFileAtomically(flags.svg, PlanSvg(plan, EdgeTpuSpec{}, flags.model_path)));
    if (!flags.json) std::printf("split drawn in %s\n", flags.svg.c_str());
  }
  return OkStatus();
}

}  // namespace

void RegisterPlan(CLI::App& app, Action* action) {
  auto flags = std::make_shared<PlanFlags>();
  auto* cmd = app.add_subcommand(
      "plan", "Choose how to split a model over devices (and compare the partitioners)");
  cmd->add_option("model", flags->model_path, "quantized .tflite model")->required();
  cmd->add_option("--devices", flags->devices,
                  "devices in stage order: edgetpu:4, edgetpu-usb:2, cpu:1,edgetpu:3; "
                  "KIND:COUNT@HOST:PORT puts devices on a stage host")
      ->capture_default_str();
  cmd->add_option("--hosts", flags->hosts,
                  fmt::format("stage hosts: the links between them and this process (a "
                              "`segpipe probe -o` file), which the plan counts and lists; "
                              "without it every link is assumed to be {:g} ms and {:g} Mbit/s",
                              DefaultLink().latency_ms, DefaultLink().bandwidth_mbit_s));
  cmd->add_option("--strategy", flags->strategy,
                  "uniform | params | exhaustive | coral | optimal | auto")
      ->capture_default_str();
  cmd->add_option("--objective", flags->objective, "throughput | latency | batch:B")
      ->capture_default_str();
  cmd->add_option("--profile", flags->profile,
                  "model (analytic Edge TPU) | simulate | measure (real CPU runs); CPU stages "
                  "next to Edge TPUs are always measured")
      ->capture_default_str();
  cmd->add_option("--host-profile", flags->host_profile,
                  "host runtime for model/simulate: native | paper")
      ->capture_default_str();
  cmd->add_option("--batch", flags->batch, "exhaustive: inputs per timed pipeline run")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-partitions", flags->max_partitions,
                  "exhaustive: refuse above this many partitions")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--diff-threshold", flags->diff_threshold_ms,
                  "coral: stop bisecting below this gap (ms)")
      ->capture_default_str();
  cmd->add_option("--step", flags->step, "coral: layers added per growth step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--no-replication", flags->no_replication,
                "auto: never replicate a stage or the model");
  cmd->add_flag("--on-chip-only", flags->on_chip_only,
                "Edge TPUs: only splits that keep every weight on chip (none streams from host "
                "memory); fails, saying how many TPUs it takes, when none exists");
  cmd->add_flag("--compare", flags->compare, "run every strategy side by side");
  cmd->add_option("--strategies", flags->strategies,
                  "--compare: only these strategies (comma-separated)");
  cmd->add_option("--pipeline-batch", flags->pipeline_batch,
                  "--compare: also time each split as a whole pipeline on this many inputs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--rounds", flags->rounds, "--compare: pipeline timing rounds (median kept)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--measure-repeats", flags->measure_repeats,
                  "measure: timed invocations per segment (median kept)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "print JSON");
  AddQuietFlag(cmd);
  cmd->add_option("-o,--output", flags->output, "write the plan file (for run/compile --plan)");
  cmd->add_option("--svg", flags->svg,
                  "draw the chosen split: per stage, on/off-chip bytes vs capacity and stage time "
                  "vs the bottleneck");
  flags->cmd = cmd;
  cmd->callback([action, flags] { *action = [flags] { return Run(*flags); }; });
}

}  // namespace segpipe::cli
