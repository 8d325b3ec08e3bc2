// `segpipe run MODEL [--input FILE ...|--random] [--repeat N] [--threads T]
//  [--kernels reference|fast] [--json]`: runs a model on the CPU and prints its outputs (digest,
// shape and the first values, dequantized), the latency of one inference (min, median, p99
// over --repeat runs after a warm-up run) and the achieved GOPS (2 ops per multiply-accumulate).
//
// The flags live in RunFlags and the single-model path in RunSingleModel, so other ways of
// running a model (a pipeline over several devices) add their flags to RunFlags and their
// branch in the action without touching this one.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "segpipe/exec/executor.h"
#include "segpipe/exec/inference_report.h"
#include "segpipe/partition/plan_file.h"
#include "segpipe/pipeline/run.h"
#include "segpipe/tflite/reader.h"

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
  std::string split = "default";
  int batch = 50;
  std::string host_profile = "native";
  bool simulate = false;
  bool compute = false;
  int queue_capacity = 1;
  std::string plan_path;  // --plan: devices and split from a `segpipe plan -o` file
  bool queue_all = false;
  std::string trace_path;
};

StatusOr<std::vector<std::vector<uint8_t>>> LoadInputs(const RunFlags& flags, const Executor& exec) {
  std::vector<std::vector<uint8_t>> inputs;
  if (!flags.input_paths.empty()) {
    if (static_cast<int>(flags.input_paths.size()) != exec.num_inputs()) {
      return InvalidArgumentError(fmt::format("the model has {} inputs but {} --input files were given",
                                              exec.num_inputs(), flags.input_paths.size()));
    }
    for (int i = 0; i < exec.num_inputs(); ++i) {
      std::ifstream in(flags.input_paths[i], std::ios::binary);
      if (!in) return NotFoundError(fmt::format("{}: cannot open the input file", flags.input_paths[i]));
      inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      const int64_t want = exec.input_tensor(i).num_bytes();
      if (static_cast<int64_t>(inputs.back().size()) != want) {
        return InvalidArgumentError(fmt::format(
            "{}: has {} bytes but input {} ('{}', {} [{}]) takes {}", flags.input_paths[i],
            inputs.back().size(), i, exec.input_tensor(i).name, DataTypeName(exec.input_tensor(i).type),
            fmt::join(exec.input_tensor(i).shape, ", "), want));
      }
    }
    return inputs;
  }
  std::mt19937 rng(flags.seed);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < exec.num_inputs(); ++i) {
    std::vector<uint8_t> bytes(static_cast<size_t>(exec.input_tensor(i).num_bytes()));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(byte(rng));
    inputs.push_back(std::move(bytes));
  }
  return inputs;
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
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<std::vector<uint8_t>> inputs, LoadInputs(flags, *exec));
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
  for (int j = 0; j < exec->num_outputs(); ++j) {
    const Tensor& t = exec->output_tensor(j);
    std::span<const uint8_t> bytes = exec->output(j);
    nlohmann::json values = nlohmann::json::array();
    for (int64_t i = 0; i < std::min<int64_t>(t.num_elements(), flags.values_shown); ++i) {
      values.push_back(RealValue(t, bytes, i));
    }
    outputs.push_back({{"name", t.name}, {"type", std::string(DataTypeName(t.type))}, {"shape", t.shape},
                       {"digest", Digest(bytes)}, {"values", values}});
  }
  const std::string kernels = options.kernels == KernelSet::kFast ? "fast" : "reference";
  if (flags.json) {
    nlohmann::json j = {
        {"model", flags.model_path}, {"kernels", kernels}, {"threads", flags.threads},
        {"fast_ops", exec->num_fast_kernels()}, {"ops", exec->model().ops.size()},
        {"arena_bytes", exec->arena_bytes()}, {"macs", macs}, {"repeat", flags.repeat},
        {"latency_ms", {{"min", latency.min_ms}, {"median", latency.median_ms}, {"p99", latency.p99_ms}}},
        {"gops", gops}, {"outputs", outputs}};
    std::printf("%s\n", j.dump(2).c_str());
    return OkStatus();
  }
  std::printf("%s: %zu ops (%d on fast kernels), %s kernels, %d thread(s), arena %lld bytes\n",
              flags.model_path.c_str(), exec->model().ops.size(), exec->num_fast_kernels(), kernels.c_str(),
              flags.threads, static_cast<long long>(exec->arena_bytes()));
  for (int j = 0; j < exec->num_outputs(); ++j) {
    const nlohmann::json& o = outputs[static_cast<size_t>(j)];
    std::vector<std::string> shown;
    for (const auto& v : o["values"]) shown.push_back(fmt::format("{:.6g}", v.get<double>()));
    const bool more = static_cast<size_t>(exec->output_tensor(j).num_elements()) > shown.size();
    std::printf("output %d '%s': %s [%s] digest %s values %s%s\n", j, o["name"].get<std::string>().c_str(),
                o["type"].get<std::string>().c_str(),
                fmt::format("{}", fmt::join(exec->output_tensor(j).shape, ", ")).c_str(),
                o["digest"].get<std::string>().c_str(), fmt::format("{}", fmt::join(shown, " ")).c_str(),
                more ? " ..." : "");
  }
  std::printf("latency over %d runs: min %.3f ms, median %.3f ms, p99 %.3f ms\n", latency.count,
              latency.min_ms, latency.median_ms, latency.p99_ms);
  std::printf("%.3f GMACs per inference, %.2f GOPS at the median\n", static_cast<double>(macs) / 1e9, gops);
  return OkStatus();
}

// The model as a pipeline on --devices: per-stage table and batch timing (threaded or simulated).
Status RunPipelineModel(const RunFlags& flags) {
  if (!flags.input_paths.empty())
    return InvalidArgumentError("--devices runs a batch of random inputs; drop --input");
  SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(flags.model_path));
  RunConfig config;
  config.devices = flags.devices;
  config.split = flags.split;
  if (!flags.plan_path.empty()) {
    // The plan fixes the devices (in stage order, replicas included) and the cuts.
    SEGPIPE_ASSIGN_OR_RETURN(LoadedPlan plan, LoadPlanFile(flags.plan_path));
    StatusOr<RunConfig> planned = RunConfigForPlan(plan, model, config);
    if (!planned.ok()) return planned.status().WithContext(flags.plan_path);
    config = *std::move(planned);
  }
  config.batch = flags.batch;
  config.host_profile = flags.host_profile;
  config.simulate = flags.simulate;
  config.edgetpu_compute = flags.compute;
  config.queue_capacity = flags.queue_capacity;
  config.seed = flags.seed;
  config.queue_all_inputs = flags.queue_all;
  config.trace = !flags.trace_path.empty();
  SEGPIPE_ASSIGN_OR_RETURN(RunReport report, RunPipeline(model, config));
  if (!flags.trace_path.empty()) {
    std::ofstream out(flags.trace_path, std::ios::binary | std::ios::trunc);
    out << report.trace_json << '\n';
    out.close();
    if (!out)
      return UnavailableError(fmt::format("cannot write the trace file '{}'", flags.trace_path));
  }
  if (flags.json) {
    std::printf("%s\n", RunReportJson(report).c_str());
  } else {
    std::string devices = config.devices;
    if (!config.replicas.empty())
      devices += fmt::format(" (replicas {})", fmt::join(config.replicas, ","));
    std::printf("%s: %s, split %s\n%s", flags.model_path.c_str(), devices.c_str(),
                config.split.c_str(), FormatRunReport(report).c_str());
  }
  return OkStatus();
}

}  // namespace

void RegisterRun(CLI::App& app, Action* action) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Run a model on the CPU: outputs, latency and GOPS");
  cmd->add_option("MODEL", flags->model_path, "the .tflite file")->required();
  auto* input = cmd->add_option("--input", flags->input_paths,
                                "raw bytes of each model input, one file per input in the model's order");
  auto* random = cmd->add_flag("--random", flags->random, "random input bytes (the default)");
  input->excludes(random);
  cmd->add_option("--seed", flags->seed, "seed of --random inputs")->capture_default_str();
  cmd->add_option("--repeat", flags->repeat, "timed inferences after one warm-up")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--threads", flags->threads, "threads of the fast kernels")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--kernels", flags->kernels, "reference (TFLite's integer semantics) or fast (oneDNN)")
      ->check(CLI::IsMember({"reference", "fast"}))->capture_default_str();
  cmd->add_option("--show", flags->values_shown, "output values printed per output")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_flag("--json", flags->json,
                "print JSON (keys: model, kernels, threads, latency_ms {min, median, p99}, gops, outputs)");
  cmd->add_option("--devices", flags->devices,
                  "run as a pipeline, one segment per device: cpu:2, edgetpu:4 or cpu,edgetpu,...");
  cmd->add_option("--split", flags->split,
                  "pipeline split in layers: default|params (parameter-balanced), uniform, or the "
                  "last layer of each segment but the last, e.g. 2,4")
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
  cmd->callback([action, flags] {
    *action = [flags] {
      return flags->devices.empty() && flags->plan_path.empty() ? RunSingleModel(*flags)
                                                                 : RunPipelineModel(*flags);
    };
  });
}

}  // namespace segpipe::cli
