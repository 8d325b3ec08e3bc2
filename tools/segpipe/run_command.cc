// `segpipe run MODEL [--input FILE ...|--random] [--repeat N] [--threads T]
//  [--kernels reference|fast] [--json]`: runs a model on the CPU and prints its outputs (digest,
// shape and the first values, dequantized), the latency of one inference (min, median, p99
// over --repeat runs after a warm-up run) and the achieved GOPS (2 ops per multiply-accumulate).
//
// The flags live in RunFlags and the single-model path in RunSingleModel, so other ways of
// running a model (a pipeline over several devices) add their flags to RunFlags and their
// branch in the action without touching this one.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "json_vocabulary.h"
#include "segpipe/core/internal/file_io.h"
#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/exec/internal/inference_report.h"
#include "segpipe/partition/internal/optimal.h"
#include "segpipe/partition/internal/plan_file.h"
#include "segpipe/pipeline/internal/profilers.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/tflite/internal/reader.h"
#include "segpipe/core/internal/sha256.h"
#if SEGPIPE_WITH_REMOTE
#include "segpipe/remote/internal/remote_pipeline.h"
#endif

namespace segpipe::cli {
namespace {

struct RunFlags {
  std::string model_path;
  std::vector<std::string> input_paths;  // raw bytes, one file per model input
  bool random = false;
  uint32_t seed = 1;
  int repeat = 10;
  int threads = 1;
  std::string kernels = "fast";
  int values_shown = 8;
  bool json = false;
  // Pipeline over several devices (set when --devices is given).
  std::string devices;
  std::string split = "params";
  int batch = 50;
  std::string host_profile = "native";
  bool simulate = false;
  bool compute = false;
  int queue_capacity = 1;
  std::string plan_path;  // --plan: devices and split from a `segpipe plan -o` file
  bool queue_all = false;
  std::string trace_path;
  // Stage hosts (devices KIND:N@HOST:PORT).
  std::string token_file, tls_ca, hosts_file;
  const CLI::App* cmd = nullptr;  // which flags were given
};

// The default split of a pipeline of CPU stages: the one whose slowest stage is fastest, from
// the measured time of each layer on one core (the Edge TPU default balances parameter bytes,
// which says nothing about CPU time). "" when the model has fewer layers than stages (RunPipeline
// then says so).
StatusOr<std::string> ComputeBalancedCpuSplit(const Model& model, int stages) {
  const std::vector<int> ends = LayerEnds(model);
  const int layers = static_cast<int>(ends.size());
  if (stages <= 1 || layers < stages) return std::string();
  MeasuredProfiler profiler(model, MeasureOptions{.repeats = 3});
  std::vector<double> layer_ms;
  for (int l = 0; l < layers; ++l) {
    SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile p,
                             profiler.Profile(l == 0 ? 0 : ends[l - 1] + 1, ends[l],
                                              StageDevice{StageDevice::Kind::kCpu, 0}));
    layer_ms.push_back(p.stage_ms);
  }
  SegmentCostFn cost = [&](int first, int last, int) -> StatusOr<double> {
    double sum = 0;
    for (int l = first; l <= last; ++l) sum += layer_ms[static_cast<size_t>(l)];
    return sum;
  };
  SEGPIPE_ASSIGN_OR_RETURN(UnitSplit split,
                           OptimalSplit(layers, stages, Objective::Throughput(), cost));
  std::string text;
  for (size_t k = 0; k + 1 < split.last_unit.size(); ++k)
    text += fmt::format("{}{}", text.empty() ? "" : ",", split.last_unit[k] + 1);
  return text;
}

// The flags that mean something only with --devices (a pipeline), and those only without.
Status CheckFlagCombination(const RunFlags& flags) {
  const CLI::App& cmd = *flags.cmd;
  const bool pipeline = !flags.devices.empty() || !flags.plan_path.empty();
  if (cmd.count("--devices") > 0 && flags.devices.empty())
    return InvalidArgumentError("--devices is empty; give e.g. cpu:2, edgetpu:4 or cpu,edgetpu");
  if (!flags.input_paths.empty() && cmd.count("--seed") > 0)
    return InvalidArgumentError("--seed makes random inputs and --input gives them; drop one");
  if (!pipeline) {
    for (const char* flag : {"--split", "--batch", "--host-profile", "--simulate", "--compute",
                             "--queue-capacity", "--token-file", "--tls-ca", "--hosts"})
      SEGPIPE_RETURN_IF_ERROR(RejectIfGiven(
          cmd, flag,
          "it applies to pipelines; add --devices (e.g. --devices edgetpu:2) or --plan"));
    return OkStatus();
  }
  const char* why_single =
      "a pipeline times --batch inputs with the fast kernels, one thread per stage; drop it, or "
      "drop --devices to run the whole model";
  for (const char* flag : {"--kernels", "--threads"})
    SEGPIPE_RETURN_IF_ERROR(RejectIfGiven(cmd, flag, why_single));
  if (cmd.count("--repeat") > 0 && cmd.count("--batch") > 0)
    return InvalidArgumentError(
        "--repeat and --batch both give a pipeline's number of inputs; drop one");
  if (!flags.plan_path.empty()) {
    SEGPIPE_RETURN_IF_ERROR(RejectIfGiven(cmd, "--devices", "--plan fixes the devices; drop one"));
    SEGPIPE_RETURN_IF_ERROR(RejectIfGiven(cmd, "--split", "--plan fixes the split; drop one"));
  }
  return OkStatus();
}

// The bytes of each model input: the --input files, else random bytes from --seed, the same as
// the first input of a pipelined run's batch (so the two can be compared).
StatusOr<std::vector<std::vector<uint8_t>>> LoadInputs(const RunFlags& flags, const Model& model) {
  if (flags.input_paths.empty()) return RandomModelInputs(model, flags.seed, 0);
  if (flags.input_paths.size() != model.inputs.size()) {
    return InvalidArgumentError(
        fmt::format("the model has {} inputs but {} --input files were given", model.inputs.size(),
                    flags.input_paths.size()));
  }
  std::vector<std::vector<uint8_t>> inputs;
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                             ReadFileBytes(flags.input_paths[i], "input file"));
    const Tensor& t = model.tensor(model.inputs[i]);
    if (static_cast<int64_t>(bytes.size()) != t.num_bytes()) {
      return InvalidArgumentError(fmt::format(
          "{}: has {} bytes but input {} ('{}', {} [{}]) takes {}", flags.input_paths[i],
          bytes.size(), i, t.name, DataTypeName(t.type), fmt::join(t.shape, ", "), t.num_bytes()));
    }
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

// One output of an inference as `run` reports it: name, type, shape, digest of the bytes and
// the first `shown` values, dequantized.
nlohmann::json OutputJson(const Tensor& t, std::span<const uint8_t> bytes, int shown) {
  nlohmann::json values = nlohmann::json::array();
  for (int64_t i = 0; i < std::min<int64_t>(t.num_elements(), shown); ++i)
    values.push_back(RealValue(t, bytes, i));
  return {{"name", t.name},
          {"type", std::string(DataTypeName(t.type))},
          {"shape", t.shape},
          {"digest", Digest(bytes)},
          {"values", values}};
}

// The text line of output `index` (OutputJson `o` of tensor `t`).
std::string OutputLine(int index, const Tensor& t, const nlohmann::json& o) {
  std::vector<std::string> shown;
  for (const auto& v : o["values"]) shown.push_back(fmt::format("{:.6g}", v.get<double>()));
  const bool more = static_cast<size_t>(t.num_elements()) > shown.size();
  return fmt::format("output {} '{}': {} [{}] digest {} values {}{}\n", index,
                     o["name"].get<std::string>(), o["type"].get<std::string>(),
                     fmt::join(t.shape, ", "), o["digest"].get<std::string>(),
                     fmt::join(shown, " "), more ? " ..." : "");
}

// One digest of all outputs together (SHA-256 of their bytes in the model's order): the one value
// to compare between a whole-model run and a pipelined one, in process or across hosts.
std::string OutputsDigest(std::span<const std::span<const uint8_t>> outputs) {
  std::vector<uint8_t> all;
  for (std::span<const uint8_t> o : outputs) all.insert(all.end(), o.begin(), o.end());
  return Sha256Hex(all);
}

Status RunSingleModel(const RunFlags& flags) {
  if (flags.repeat < 1) return InvalidArgumentError("--repeat must be at least 1");
  SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(flags.model_path));
  const int64_t macs = ModelMacs(model);
  KernelOptions options;
  options.kernels = flags.kernels == "reference" ? KernelSet::kReference : KernelSet::kFast;
  options.num_threads = flags.threads;
  StatusOr<std::unique_ptr<Executor>> created = Executor::Create(std::move(model), options);
  if (!created.ok()) return created.status().WithContext(flags.model_path);
  std::unique_ptr<Executor> exec = std::move(created).value();
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<std::vector<uint8_t>> inputs,
                           LoadInputs(flags, exec->model()));
  for (int i = 0; i < exec->num_inputs(); ++i) std::copy(inputs[i].begin(), inputs[i].end(), exec->input(i).begin());

  exec->Invoke();  // warm-up: first touches of weights and arena
  std::vector<double> latencies_ms;
  for (int r = 0; r < flags.repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    exec->Invoke();
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  const LatencySummary latency = SummarizeLatencies(latencies_ms);
  const double gops = latency.median_ms > 0 ? 2.0 * static_cast<double>(macs) / (latency.median_ms * 1e6) : 0;

  nlohmann::json outputs = nlohmann::json::array();
  for (int j = 0; j < exec->num_outputs(); ++j)
    outputs.push_back(OutputJson(exec->output_tensor(j), exec->output(j), flags.values_shown));
  const std::string kernels = options.kernels == KernelSet::kFast ? "fast" : "reference";
  if (flags.json) {
    std::vector<double> sorted = latencies_ms;
    std::sort(sorted.begin(), sorted.end());
    const double p90 = sorted[std::min(
        sorted.size() - 1, static_cast<size_t>(0.90 * static_cast<double>(sorted.size())))];
    nlohmann::ordered_json j = JsonHeader(flags.model_path);
    j["kernels"] = kernels;
    j["threads"] = flags.threads;
    j["fast_ops"] = exec->num_fast_kernels();
    j["num_ops"] = exec->model().ops.size();
    j["arena_bytes"] = exec->arena_bytes();
    j["macs"] = macs;
    j["repeat"] = flags.repeat;
    j["latency_ms"] = LatencyJson({latency.median_ms, p90, latency.p99_ms, sorted.back()});
    j["latency_ms"]["min"] = latency.min_ms;
    j["time_per_inference_ms"] = latency.median_ms;
    j["throughput_per_s"] = latency.median_ms > 0 ? 1e3 / latency.median_ms : 0.0;
    j["gops"] = gops;
    j["outputs"] = outputs;
    std::vector<std::span<const uint8_t>> bytes;
    for (int o = 0; o < exec->num_outputs(); ++o) bytes.push_back(exec->output(o));
    j["outputs_digest"] = OutputsDigest(bytes);
    std::printf("%s\n", j.dump(2).c_str());
    return OkStatus();
  }
  std::printf("%s: %zu ops (%d on fast kernels), %s kernels, %d thread(s), arena %lld bytes\n",
              flags.model_path.c_str(), exec->model().ops.size(), exec->num_fast_kernels(), kernels.c_str(),
              flags.threads, static_cast<long long>(exec->arena_bytes()));
  for (int j = 0; j < exec->num_outputs(); ++j)
    std::printf("%s",
                OutputLine(j, exec->output_tensor(j), outputs[static_cast<size_t>(j)]).c_str());
  std::printf("latency over %d runs: min %.3f ms, median %.3f ms, p99 %.3f ms\n", latency.count,
              latency.min_ms, latency.median_ms, latency.p99_ms);
  std::printf("%.3f GMACs per inference, %.2f GOPS at the median\n", static_cast<double>(macs) / 1e9, gops);
  return OkStatus();
}

// Stage hosts: the token and TLS roots of a threaded run's calls, and the links the simulator and
// the report use (--hosts, else the default link).
Status ConfigureStageHosts(const RunFlags& flags, RunConfig& config) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<DeviceSpec> specs, ParseDevices(config.devices));
  if (!HasRemoteDevices(specs)) {
    for (const char* flag : {"--token-file", "--tls-ca", "--hosts"})
      SEGPIPE_RETURN_IF_ERROR(RejectIfGiven(
          *flags.cmd, flag, "it applies to devices on stage hosts (e.g. cpu:1@10.0.0.2:7070)"));
    return OkStatus();
  }
  if (!flags.hosts_file.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(config.network, LoadHostsFile(flags.hosts_file));
  }
  if (flags.simulate) return OkStatus();
#if SEGPIPE_WITH_REMOTE
  if (flags.token_file.empty())
    return InvalidArgumentError(
        "devices on stage hosts need --token-file (the file the hosts were started with)");
  remote::CoordinatorOptions options;
  SEGPIPE_ASSIGN_OR_RETURN(options.security.token, remote::ReadTokenFile(flags.token_file));
  if (!flags.tls_ca.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(options.security.tls_ca_pem,
                             remote::ReadPemFile(flags.tls_ca, "TLS CA certificates"));
  }
  config.remote = remote::RemotePipelineFactoryFor(options);
  return OkStatus();
#else
  return FailedPreconditionError(
      "this segpipe was built without stage hosts (SEGPIPE_BUILD_REMOTE=OFF); --simulate still "
      "models them");
#endif
}

// The model as a pipeline on --devices: per-stage table and batch timing (threaded or simulated).
Status RunPipelineModel(const RunFlags& flags) {
  SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(flags.model_path));
  SEGPIPE_RETURN_IF_ERROR(CheckModelCanBeCut(model, flags.model_path));
  RunConfig config;
  config.devices = flags.devices;
  config.split = flags.split;
  NoteDeprecatedSplitName(flags.split);
  if (!flags.plan_path.empty()) {
    // The plan fixes the devices (in stage order, replicas included) and the cuts.
    SEGPIPE_ASSIGN_OR_RETURN(LoadedPlan plan, LoadPlanFile(flags.plan_path));
    SEGPIPE_RETURN_IF_ERROR(CheckPlanMatchesModelFile(plan, flags.plan_path, flags.model_path));
    StatusOr<RunConfig> planned = RunConfigForPlan(plan, model, config);
    if (!planned.ok()) return planned.status().WithContext(flags.plan_path);
    config = *std::move(planned);
  }
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<DeviceSpec> specs, ParseDevices(config.devices));
  std::vector<DeviceKind> kinds;
  for (const DeviceSpec& d : specs) kinds.push_back(d.kind);
  const bool all_cpu =
      std::all_of(kinds.begin(), kinds.end(), [](DeviceKind k) { return k == DeviceKind::kCpu; });
  if (all_cpu && flags.plan_path.empty() && flags.cmd->count("--split") == 0) {
    SEGPIPE_ASSIGN_OR_RETURN(std::string balanced,
                             ComputeBalancedCpuSplit(model, static_cast<int>(kinds.size())));
    if (!balanced.empty()) config.split = balanced;
  }
  if (flags.plan_path.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(SplitSpec split, ParseSplitSpec(config.split));
    if (split.kind == SplitKind::kExplicit && split.cut_after_layers.size() + 1 != kinds.size())
      return InvalidArgumentError(fmt::format(
          "--split {} gives {} segments but --devices {} names {} devices; give {} cut(s)",
          config.split, split.cut_after_layers.size() + 1, config.devices, kinds.size(),
          kinds.size() - 1));
  }
  int cpu_stages = 0;  // on this machine
  for (const DeviceSpec& d : specs) cpu_stages += d.kind == DeviceKind::kCpu && d.host.empty();
  const unsigned cores = std::thread::hardware_concurrency();
  if (!flags.simulate && cores > 0 && cpu_stages > static_cast<int>(cores))
    std::fprintf(stderr,
                 "segpipe: note: %d CPU stages on %u cores: stages share cores, so their times "
                 "are not those of separate devices\n",
                 cpu_stages, cores);
  config.batch = flags.cmd->count("--repeat") > 0 ? flags.repeat : flags.batch;
  SEGPIPE_RETURN_IF_ERROR(ConfigureStageHosts(flags, config));
  config.host_profile = flags.host_profile;
  config.simulate = flags.simulate;
  config.edgetpu_compute = flags.compute;
  config.queue_capacity = flags.queue_capacity;
  config.seed = flags.seed;
  config.queue_all_inputs = flags.queue_all;
  config.trace = !flags.trace_path.empty();
  if (!flags.input_paths.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(config.inputs, LoadInputs(flags, model));
  }
  SEGPIPE_ASSIGN_OR_RETURN(RunReport report, RunPipeline(model, config));
  // The first input's outputs, as a whole-model run prints them (empty: not computed).
  nlohmann::json outputs = nlohmann::json::array();
  for (size_t j = 0; j < report.first_outputs.size(); ++j)
    outputs.push_back(
        OutputJson(model.tensor(model.outputs[j]), report.first_outputs[j], flags.values_shown));
  const std::string not_computed =
      !report.outputs_note.empty()
          ? report.outputs_note
          : "modelled Edge TPU stages pace without computing; add --compute for their real outputs";
  if (!flags.trace_path.empty())
    SEGPIPE_RETURN_IF_ERROR(WriteFileAtomically(flags.trace_path, report.trace_json + "\n"));
  const std::string split_shown = flags.plan_path.empty()
                                      ? config.split
                                      : fmt::format("{} (from {})", config.split, flags.plan_path);
  if (flags.json) {
    nlohmann::ordered_json j =
        PipelineRunJson(report, flags.model_path, config.devices, config.split);
    if (report.first_outputs.empty()) {
      j["outputs_note"] = not_computed;
    } else {
      j["outputs"] = outputs;
      std::vector<std::span<const uint8_t>> bytes(report.first_outputs.begin(),
                                                  report.first_outputs.end());
      j["outputs_digest"] = OutputsDigest(bytes);
      j["outputs_of"] =
          report.simulated ? "the first input, through the segments on the CPU" : "the first input";
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::string devices = config.devices;
    if (!config.replicas.empty())
      devices += fmt::format(" (replicas {})", fmt::join(config.replicas, ","));
    std::printf("%s: %s, split %s\n%s", flags.model_path.c_str(), devices.c_str(),
                split_shown.c_str(), FormatRunReport(report).c_str());
    if (report.first_outputs.empty())
      std::printf("outputs not computed: %s\n", not_computed.c_str());
    if (!report.first_outputs.empty())
      std::printf(
          "outputs of the first input%s:\n",
          report.simulated ? " (simulated timing; computed through the segments on the CPU)" : "");
    for (size_t j = 0; j < report.first_outputs.size(); ++j)
      std::printf(
          "%s",
          OutputLine(static_cast<int>(j), model.tensor(model.outputs[j]), outputs[j]).c_str());
    if (!report.first_outputs.empty()) {
      std::vector<std::span<const uint8_t>> bytes(report.first_outputs.begin(),
                                                  report.first_outputs.end());
      std::printf("outputs digest %s\n", OutputsDigest(bytes).c_str());
    }
  }
  return OkStatus();
}

}  // namespace

void RegisterRun(CLI::App& app, Action* action) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Run a model on the CPU: outputs, latency and GOPS");
  cmd->add_option("MODEL", flags->model_path, "the .tflite file")->required();
  auto* input =
      cmd->add_option("--input", flags->input_paths,
                      "raw bytes of each model input, one file per input in the model's order (a "
                      "pipeline feeds them as every input of its batch)");
  auto* random = cmd->add_flag("--random", flags->random, "random input bytes (the default)");
  input->excludes(random);
  cmd->add_option("--seed", flags->seed, "seed of --random inputs")->capture_default_str();
  cmd->add_option("--repeat", flags->repeat,
                  "timed inferences after one warm-up (a pipeline: its number of inputs, as "
                  "--batch)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--threads", flags->threads, "threads of the fast kernels")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--kernels", flags->kernels, "reference (TFLite's integer semantics) or fast (oneDNN)")
      ->check(CLI::IsMember({"reference", "fast"}))->capture_default_str();
  cmd->add_option("--show", flags->values_shown,
                  "output values printed per output (a pipeline: of its first input)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--json", flags->json,
                "print JSON (schema: docs/json/run.schema.json; pipelines: "
                "docs/json/run-pipeline.schema.json)");
  cmd->add_option("--devices", flags->devices,
                  "run as a pipeline, one segment per device: cpu:2, edgetpu:4, edgetpu-usb:2 or "
                  "cpu:1,edgetpu:2,...; KIND:N@HOST:PORT for devices of a stage host (segpipe "
                  "serve), e.g. cpu:1@10.0.0.2:7070,cpu:1@10.0.0.3:7070");
  cmd->add_option(
         "--split", flags->split,
         "pipeline split in layers: params (parameter-balanced; 'default' is its deprecated "
         "name), uniform, or the "
         "last layer of each segment but the last, e.g. 2,4; unset with only CPU stages: "
         "the split balancing each layer's measured time")
      ->capture_default_str();
  cmd->add_option("--batch", flags->batch, "pipeline batch size B (time per inference = wall / B)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--host-profile", flags->host_profile,
                  "host costs of modelled Edge TPU stages: native (this runtime) or paper (the "
                  "authors' Python runtime)")
      ->check(CLI::IsMember({"native", "paper"}))->capture_default_str();
  cmd->add_flag("--simulate", flags->simulate, "time the pipeline in the virtual-time simulator");
  cmd->add_flag("--compute", flags->compute,
                "paced Edge TPU stages also compute their real outputs on the CPU");
  cmd->add_option("--queue-capacity", flags->queue_capacity, "inputs waiting between two stages")
      ->check(CLI::Range(1, 1024))->capture_default_str();
  cmd->add_option("--plan", flags->plan_path,
                  "run as a pipeline with the devices, split and replicas of a `segpipe plan -o` "
                  "file");
  cmd->add_flag("--queue-all", flags->queue_all,
                "pipeline: the paper's batch timing, all inputs queued before the first result "
                "(memory grows with --batch; refused above 1 GiB). By default inputs stream in "
                "constant memory");
  cmd->add_option("--trace", flags->trace_path,
                  "pipeline: write the timeline as Chrome Trace Event JSON (Perfetto, "
                  "chrome://tracing)");
  cmd->add_option("--token-file", flags->token_file,
                  "stage hosts: the file holding their shared token (first line)");
  cmd->add_option("--tls-ca", flags->tls_ca,
                  "stage hosts: talk TLS, trusting the certificates in this PEM file");
  cmd->add_option("--hosts", flags->hosts_file,
                  "stage hosts: the links between them (a `segpipe probe -o` file), for "
                  "--simulate and the link table");
  flags->cmd = cmd;
  cmd->callback([action, flags] {
    *action = [flags]() -> Status {
      SEGPIPE_RETURN_IF_ERROR(CheckFlagCombination(*flags));
      return flags->devices.empty() && flags->plan_path.empty() ? RunSingleModel(*flags)
                                                                 : RunPipelineModel(*flags);
    };
  });
}

}  // namespace segpipe::cli
