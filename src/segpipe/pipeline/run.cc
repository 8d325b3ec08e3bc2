// RunPipeline: device list + split + host profile -> a timed threaded or simulated batch.
#include "segpipe/pipeline/internal/run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "segpipe/device/internal/cpu_device.h"
#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/internal/trace.h"

namespace segpipe {
namespace {

constexpr int kCpuProfileRuns = 5;

// Random bytes of input `index` into `inputs` (sized once): the same bytes for a given seed and
// index however the batch is fed, eight bytes per draw so a producer keeps up with fast stages.
void FillRandomInputs(uint64_t seed, int64_t index, std::vector<std::vector<uint8_t>>& inputs) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(index));
  for (std::vector<uint8_t>& bytes : inputs) {
    for (size_t i = 0; i < bytes.size(); i += 8) {
      const uint64_t word = rng();
      std::memcpy(bytes.data() + i, &word, std::min<size_t>(8, bytes.size() - i));
    }
  }
}

std::vector<std::vector<uint8_t>> RandomInputs(const Model& model, uint64_t seed, int64_t index) {
  std::vector<std::vector<uint8_t>> inputs;
  for (int32_t t : model.inputs) inputs.emplace_back(static_cast<size_t>(model.tensor(t).num_bytes()));
  FillRandomInputs(seed, index, inputs);
  return inputs;
}

int64_t InputFrameBytes(const Model& model) {
  int64_t bytes = 0;
  for (int32_t t : model.inputs) bytes += model.tensor(t).num_bytes();
  return bytes;
}

std::string StageName(int stage) { return fmt::format("stage {}", stage + 1); }

// Mean wall time of one invocation of `segment` on a CpuDevice, for the simulator.
StatusOr<int64_t> MeasureCpuServiceNs(const Model& segment, uint64_t seed) {
  CpuDevice device;
  SEGPIPE_RETURN_IF_ERROR(device.Prepare(segment));
  std::vector<std::vector<uint8_t>> in = RandomInputs(segment, seed, 0);
  std::vector<std::vector<uint8_t>> out;
  for (int32_t t : segment.outputs) out.emplace_back(segment.tensor(t).num_bytes());
  std::vector<std::span<const uint8_t>> ins(in.begin(), in.end());
  std::vector<std::span<uint8_t>> outs(out.begin(), out.end());
  SEGPIPE_RETURN_IF_ERROR(device.Invoke(0, DeviceIo{ins, outs}));  // warm-up
  const int64_t start = SteadyNowNs();
  for (int i = 0; i < kCpuProfileRuns; ++i)
    SEGPIPE_RETURN_IF_ERROR(device.Invoke(i, DeviceIo{ins, outs}));
  return (SteadyNowNs() - start) / kCpuProfileRuns;
}

}  // namespace

std::vector<PacedPhase> PacedPhasesFor(const SimStage& stage,
                                       const std::shared_ptr<SharedResource>& host_lock,
                                       const std::shared_ptr<SharedResource>& host_link) {
  std::vector<PacedPhase> phases;
  for (const SimPhase& p : stage.phases) {
    std::shared_ptr<SharedResource> resource;
    if (p.resource == kHostWorkResource) resource = host_lock;
    if (p.resource == kHostLinkResource) resource = host_link;
    phases.push_back(PacedPhase{p.duration_ns, std::move(resource)});
  }
  return phases;
}

namespace {

// Stages and their devices: one stage per device, or config.replicas devices per stage.
StatusOr<std::vector<int>> StageReplicas(const RunConfig& config,
                                         std::span<const DeviceKind> kinds) {
  if (config.replicas.empty()) return std::vector<int>(kinds.size(), 1);
  size_t next = 0;
  for (size_t s = 0; s < config.replicas.size(); ++s) {
    const int r = config.replicas[s];
    if (r < 1 || next + static_cast<size_t>(r) > kinds.size())
      return InvalidArgumentError(fmt::format(
          "replicas {} do not add up to the {} devices", fmt::join(config.replicas, ","),
          kinds.size()));
    for (int k = 1; k < r; ++k)
      if (kinds[next + static_cast<size_t>(k)] != kinds[next])
        return InvalidArgumentError(fmt::format(
            "stage {} is replicated over devices of different kinds; the devices of one stage "
            "must be interchangeable", s + 1));
    next += static_cast<size_t>(r);
  }
  if (next != kinds.size())
    return InvalidArgumentError(fmt::format("replicas {} do not add up to the {} devices",
                                            fmt::join(config.replicas, ","), kinds.size()));
  return config.replicas;
}

void FillLatencies(RunReport& report, int64_t p50, int64_t p90, int64_t p99, int64_t max,
                   double scale) {
  report.latency_p50_ms = static_cast<double>(p50) / 1e6 / scale;
  report.latency_p90_ms = static_cast<double>(p90) / 1e6 / scale;
  report.latency_p99_ms = static_cast<double>(p99) / 1e6 / scale;
  report.latency_max_ms = static_cast<double>(max) / 1e6 / scale;
}

// The outputs of `input` through the segments ending at `last_ops`, one CPU device each, in
// turn (the simulator times a run without computing it).
StatusOr<std::vector<std::vector<uint8_t>>> SegmentedCpuOutputs(
    const Model& model, const std::vector<int>& last_ops,
    const std::vector<std::vector<uint8_t>>& input) {
  std::vector<std::unique_ptr<Device>> devices;
  for (size_t i = 0; i < last_ops.size(); ++i) devices.push_back(std::make_unique<CpuDevice>());
  SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline,
                           Pipeline::Create(model, last_ops, std::move(devices), {}));
  std::vector<std::span<const uint8_t>> in_spans(input.begin(), input.end());
  std::vector<std::vector<uint8_t>> outputs;
  for (int32_t t : model.outputs) outputs.emplace_back(model.tensor(t).num_bytes());
  std::vector<std::span<uint8_t>> out_spans(outputs.begin(), outputs.end());
  SEGPIPE_RETURN_IF_ERROR(pipeline->Push(in_spans));
  pipeline->CloseInput();
  SEGPIPE_RETURN_IF_ERROR(pipeline->Start());
  std::optional<PopResult> r = pipeline->Pop(out_spans);
  if (!r) return InternalError("pipeline ended before its one input was done");
  SEGPIPE_RETURN_IF_ERROR(r->status);
  SEGPIPE_RETURN_IF_ERROR(pipeline->Finish());
  return outputs;
}


// What a pipeline on stage hosts may not do (yet), checked before anything is built.
Status CheckRemoteConfig(const RunConfig& config, std::span<const DeviceSpec> devices,
                         std::span<const int> replicas) {
  for (const DeviceSpec& d : devices)
    if (d.host.empty())
      return InvalidArgumentError(fmt::format(
          "devices '{}' mix devices of this process with stage hosts; serve the local ones too "
          "(segpipe serve --listen 127.0.0.1:PORT) and name them @127.0.0.1:PORT",
          config.devices));
  for (int r : replicas)
    if (r != 1)
      return InvalidArgumentError("replicated stages do not run on stage hosts (yet); give each "
                                  "stage one device");
  if (config.pace_scale != 1)
    return InvalidArgumentError("the pace scale applies to in-process pipelines only");
  if (config.trace)
    return InvalidArgumentError("--trace records in-process pipelines only");
  if (!config.simulate && !config.remote)
    return FailedPreconditionError(
        "this build runs no pipeline on stage hosts (the remote transport is not linked in)");
  return OkStatus();
}

// The links a pipeline's frames cross between endpoints (kCoordinator, then each stage's host,
// then kCoordinator): edge e of `plan` goes from endpoint e to endpoint e + 1 (after_stage e).
// Edges within one endpoint cross no link.
std::vector<PlanLink> CrossedLinks(const PipelinePlan& plan,
                                   std::span<const std::string> stage_hosts,
                                   const NetworkModel& network) {
  std::vector<PlanLink> links;
  const size_t num_stages = stage_hosts.size();
  for (size_t e = 0; e <= num_stages; ++e) {
    const std::string from = e == 0 ? std::string(kCoordinator) : stage_hosts[e - 1];
    const std::string to = e == num_stages ? std::string(kCoordinator) : stage_hosts[e];
    if (from == to) continue;
    const LinkModel link = network.Between(from, to);
    const int64_t bytes = plan.edges[e].live_bytes();
    links.push_back(PlanLink{from, to, static_cast<int>(e), bytes,
                             static_cast<double>(link.WireNs(bytes)) / 1e6,
                             static_cast<double>(link.TransferNs(bytes)) / 1e6, link.source});
  }
  return links;
}

// The simulator's stages of a pipeline on stage hosts: each stage's phases with the host
// resources of its own host (hosts do not share a lock or a host link), and before each crossed
// edge a link stage: the wire time on the link's own resource (frames share the wire), then the
// latency, which frames in flight overlap (one replica per frame the sender may have in flight:
// the receiver's queue capacity, plus the one it is reading). `position` gets each stage's index.
SimConfig RemoteSimConfig(const std::vector<SimStage>& stages,
                          std::span<const std::string> stage_hosts,
                          std::span<const PlanLink> links, const SimConfig& base,
                          std::vector<int>* position) {
  SimConfig sim = base;
  sim.stages.clear();
  std::vector<std::string> hosts;
  auto host_index = [&](const std::string& h) {
    auto it = std::find(hosts.begin(), hosts.end(), h);
    if (it != hosts.end()) return static_cast<int>(it - hosts.begin());
    hosts.push_back(h);
    return static_cast<int>(hosts.size() - 1);
  };
  for (const std::string& h : stage_hosts) host_index(h);
  const int first_link_resource = 2 * static_cast<int>(hosts.size());
  sim.num_resources = first_link_resource + static_cast<int>(links.size());
  size_t next_link = 0;
  auto add_link = [&](size_t edge) {
    if (next_link >= links.size() || static_cast<size_t>(links[next_link].after_stage) != edge)
      return;
    const PlanLink& l = links[next_link];
    SimStage link;
    link.phases.push_back(SimPhase{std::llround(l.wire_ms * 1e6),
                                   first_link_resource + static_cast<int>(next_link)});
    link.phases.push_back(SimPhase{std::llround((l.transfer_ms - l.wire_ms) * 1e6), -1});
    link.replicas = base.queue_capacity + 1;
    sim.stages.push_back(std::move(link));
    ++next_link;
  };
  for (size_t i = 0; i < stages.size(); ++i) {
    add_link(i);
    SimStage stage = stages[i];
    const int h = host_index(stage_hosts[i]);
    for (SimPhase& p : stage.phases)
      if (p.resource == kHostWorkResource || p.resource == kHostLinkResource)
        p.resource += 2 * h;
    position->push_back(static_cast<int>(sim.stages.size()));
    sim.stages.push_back(std::move(stage));
  }
  add_link(stages.size());
  return sim;
}

}  // namespace

std::vector<std::vector<uint8_t>> RandomModelInputs(const Model& model, uint64_t seed,
                                                    int64_t index) {
  return RandomInputs(model, seed, index);
}

StatusOr<RunReport> RunPipeline(const Model& model, const RunConfig& config) {
  if (config.batch < 1) return InvalidArgumentError("batch must be >= 1");
  if (config.queue_capacity < 1) return InvalidArgumentError("queue capacity must be >= 1");
  if (!(config.pace_scale >= 1)) return InvalidArgumentError("pace scale must be >= 1");
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<DeviceSpec> specs, ParseDevices(config.devices));
  std::vector<DeviceKind> kinds;
  for (const DeviceSpec& d : specs) kinds.push_back(d.kind);
  const bool remote = HasRemoteDevices(specs);
  SEGPIPE_ASSIGN_OR_RETURN(HostProfile host, HostProfileByName(config.host_profile));
  const double scale = config.pace_scale;
  host.startup_ns *= scale;
  SEGPIPE_ASSIGN_OR_RETURN(SplitSpec split, ParseSplitSpec(config.split));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int> replicas, StageReplicas(config, kinds));
  if (remote) SEGPIPE_RETURN_IF_ERROR(CheckRemoteConfig(config, specs, replicas));
  if (scale != 1 && std::find(kinds.begin(), kinds.end(), DeviceKind::kCpu) != kinds.end())
    return InvalidArgumentError("the pace scale stretches modelled Edge TPU stages only");
  const int num_stages = static_cast<int>(replicas.size());
  const bool fixed_inputs = !config.inputs.empty();
  if (fixed_inputs) {
    if (config.inputs.size() != model.inputs.size())
      return InvalidArgumentError(fmt::format("the model has {} inputs but {} were given",
                                              model.inputs.size(), config.inputs.size()));
    for (size_t i = 0; i < model.inputs.size(); ++i)
      if (static_cast<int64_t>(config.inputs[i].size()) !=
          model.tensor(model.inputs[i]).num_bytes())
        return InvalidArgumentError(
            fmt::format("input {} has {} bytes but the model's input {} takes {}", i + 1,
                        config.inputs[i].size(), i + 1, model.tensor(model.inputs[i]).num_bytes()));
  }
  const std::vector<std::vector<uint8_t>> first_input =
      fixed_inputs ? config.inputs : RandomInputs(model, config.seed, 0);
  if (config.queue_all_inputs) {
    const int64_t bytes = static_cast<int64_t>(config.batch) * (InputFrameBytes(model) + 64);
    if (bytes > config.memory_limit_bytes)
      return ResourceExhaustedError(fmt::format(
          "queueing all {} inputs before the first result (the paper's timing) takes {:.0f} MiB, "
          "above the {:.0f} MiB limit; run without it to stream the batch in constant memory",
          config.batch, static_cast<double>(bytes) / kMiB,
          static_cast<double>(config.memory_limit_bytes) / kMiB));
  }
  SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation compiled,
                           CompileForEdgeTpu(model, num_stages, split, config.spec));
  if (static_cast<int>(compiled.segments.size()) != num_stages)
    return InternalError("the split produced a different number of segments than stages");

  RunReport report;
  report.simulated = config.simulate;
  report.batch = config.batch;
  report.host_profile = host.name;
  report.queue_all_inputs = config.queue_all_inputs;
  std::vector<int> last_ops;
  std::vector<std::string> stage_hosts;
  int num_cpu = 0;
  size_t next_device = 0;
  for (int i = 0; i < num_stages; ++i) {
    stage_hosts.push_back(specs[next_device].host);
    CompiledSegment& seg = compiled.segments[static_cast<size_t>(i)];
    // Same chip, same placement; a USB stage's invocations cross the USB link.
    if (kinds[next_device] == DeviceKind::kEdgeTpuUsb)
      seg.timing =
          EstimateSegmentTiming(seg.placement, SpecForDevice(config.spec, kinds[next_device]));
    last_ops.push_back(seg.placement.last_op);
    StageReport st;
    st.first_op = seg.placement.first_op;
    st.last_op = seg.placement.last_op;
    st.first_layer = seg.first_layer;
    st.last_layer = seg.last_layer;
    st.kind = kinds[next_device];
    st.replicas = replicas[static_cast<size_t>(i)];
    next_device += static_cast<size_t>(st.replicas);
    if (st.kind != DeviceKind::kCpu) {
      st.on_chip_bytes = seg.placement.on_chip_bytes;
      st.off_chip_bytes = seg.placement.off_chip_bytes;
    } else {
      num_cpu += st.replicas;
    }
    report.stages.push_back(st);
  }
  if (remote) {
    SEGPIPE_ASSIGN_OR_RETURN(PipelinePlan plan, MakePipelinePlan(model, last_ops));
    report.links = CrossedLinks(plan, stage_hosts, config.network);
  }
  // Every stage's phases, from the one phase builder (CPU stages: measured for the simulator).
  std::vector<SimStage> sim_stages;
  for (int i = 0; i < num_stages; ++i) {
    StageReport& st = report.stages[static_cast<size_t>(i)];
    if (st.kind != DeviceKind::kCpu) {
      const CompiledSegment& seg = compiled.segments[static_cast<size_t>(i)];
      sim_stages.push_back(EdgeTpuSimStage(seg.timing, seg.placement.cpu_ops_ns, host,
                                           config.shared_host_link, st.replicas));
      for (SimPhase& p : sim_stages.back().phases)
        p.duration_ns = std::llround(static_cast<double>(p.duration_ns) * scale);
    } else if (config.simulate) {
      SEGPIPE_ASSIGN_OR_RETURN(Model segment, ExtractSegment(model, st.first_op, st.last_op));
      SEGPIPE_ASSIGN_OR_RETURN(int64_t ns, MeasureCpuServiceNs(segment, config.seed));
      sim_stages.push_back(SimStage{{SimPhase{ns, -1}}, st.replicas});
    } else {
      sim_stages.push_back(SimStage{});  // computes for real
    }
  }
  std::vector<std::string> stage_names;
  for (int i = 0; i < num_stages; ++i) stage_names.push_back(StageName(i));
  std::unique_ptr<PipelineTrace> trace;
  if (config.trace)
    trace = std::make_unique<PipelineTrace>(PipelineTrace::EventsFor(config.batch, num_stages));

  if (config.simulate) {
    SimConfig sim = PipelineSimConfig(sim_stages, host, config.queue_capacity);
    // Where each stage sits among the simulator's stages (links come between them).
    std::vector<int> position;
    if (remote) {
      sim = RemoteSimConfig(sim_stages, stage_hosts, report.links, sim, &position);
    } else {
      for (int i = 0; i < num_stages; ++i) position.push_back(i);
    }
    for (int i = 0; i < num_stages; ++i) {
      StageReport& st = report.stages[static_cast<size_t>(i)];
      st.device = st.kind != DeviceKind::kCpu
                      ? fmt::format("{} (modelled)", DeviceKindName(st.kind))
                      : std::string("cpu (measured)");
      if (st.replicas > 1) st.device += fmt::format(" x{}", st.replicas);
      if (remote) st.device += " @" + stage_hosts[static_cast<size_t>(i)];
      st.service_ms =
          static_cast<double>(sim.stages[static_cast<size_t>(position[i])].service_ns()) / 1e6 /
          scale;
    }
    SEGPIPE_ASSIGN_OR_RETURN(SimResult r, config.queue_all_inputs
                                              ? SimulateBatch(sim, config.batch, trace.get())
                                              : SimulateStream(sim, config.batch, trace.get()));
    report.time_per_inference_ms = r.time_per_inference_ns / 1e6 / scale;
    report.throughput_per_s = r.throughput_per_s * scale;
    FillLatencies(report, r.latency_p50_ns, r.latency_p90_ns, r.latency_p99_ns, r.latency_max_ns,
                  scale);
    for (size_t i = 0; i < report.stages.size(); ++i)
      report.stages[i].utilisation = r.stage_utilisation[static_cast<size_t>(position[i])];
    if (trace) report.trace_json = trace->ToChromeJson(stage_names, replicas);
    // The timing stands on its own: a model with an op the CPU cannot run (an Edge TPU-only
    // custom op, say) is still simulated, without outputs, and says why.
    StatusOr<std::vector<std::vector<uint8_t>>> outputs =
        SegmentedCpuOutputs(model, last_ops, first_input);
    if (outputs.ok()) {
      report.first_outputs = std::move(*outputs);
    } else if (outputs.status().code() == StatusCode::kUnimplemented) {
      report.outputs_note = outputs.status().message();
    } else {
      return outputs.status();
    }
    return report;
  }

  std::unique_ptr<StreamPipeline> pipeline;
  Pipeline* local = nullptr;  // the in-process pipeline, when it is one
  if (remote) {
    RemoteRunRequest request;
    request.model = &model;
    request.queue_capacity = config.queue_capacity;
    request.input_capacity = config.queue_all_inputs ? config.batch : 0;
    request.edgetpu_compute = config.edgetpu_compute;
    for (int i = 0; i < num_stages; ++i) {
      const StageReport& st = report.stages[static_cast<size_t>(i)];
      request.stages.push_back(RemoteStage{st.first_op, st.last_op, st.kind,
                                           stage_hosts[static_cast<size_t>(i)],
                                           sim_stages[static_cast<size_t>(i)].phases});
    }
    SEGPIPE_ASSIGN_OR_RETURN(pipeline, config.remote(request));
  } else {
    // Pin CPU devices one per core when they fit; on a smaller machine let the scheduler share.
    const bool pin = num_cpu <= AvailableCores();
    auto host_lock = std::make_shared<SharedResource>();
    auto host_link = config.shared_host_link ? std::make_shared<SharedResource>() : nullptr;
    std::vector<std::unique_ptr<Device>> devices;
    int cpu_index = 0;
    for (int i = 0; i < num_stages; ++i) {
      const StageReport& st = report.stages[static_cast<size_t>(i)];
      for (int r = 0; r < st.replicas; ++r) {
        if (st.kind == DeviceKind::kCpu) {
          devices.push_back(
              std::make_unique<CpuDevice>(CpuDeviceOptions{.core = pin ? cpu_index : -1}));
          ++cpu_index;
        } else {
          EdgeTpuDeviceOptions o;
          o.phases = PacedPhasesFor(sim_stages[static_cast<size_t>(i)], host_lock, host_link);
          if (config.edgetpu_compute) o.compute = std::make_unique<CpuDevice>();
          devices.push_back(std::make_unique<EdgeTpuDevice>(std::move(o)));
        }
      }
    }
    PipelineOptions options;
    options.queue_capacity = config.queue_capacity;
    options.replicas = replicas;
    options.trace = trace.get();
    // Queue-all: the whole batch waits in the first queue. Streaming: the first queue holds
    // queue_capacity inputs like every other.
    if (config.queue_all_inputs) options.input_capacity = config.batch;
    SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> created,
                             Pipeline::Create(model, last_ops, std::move(devices), options));
    local = created.get();
    pipeline = std::move(created);
  }
  std::vector<std::vector<uint8_t>> input = first_input;
  std::vector<std::span<const uint8_t>> in_spans(input.begin(), input.end());
  std::vector<std::vector<uint8_t>> outputs;
  for (int32_t t : model.outputs) outputs.emplace_back(model.tensor(t).num_bytes());
  std::vector<std::span<uint8_t>> out_spans(outputs.begin(), outputs.end());
  if (config.queue_all_inputs) {
    // Inputs are made and queued before the clock starts, as the paper timed a batch.
    for (int k = 0; k < config.batch; ++k) {
      if (!fixed_inputs) FillRandomInputs(config.seed, k, input);
      SEGPIPE_RETURN_IF_ERROR(pipeline->Push(in_spans));
    }
  }
  const int64_t start_ns = SteadyNowNs();
  // Streaming: a producer makes input k once the first queue has room for it.
  Status producer_status;
  std::thread producer;
  if (!config.queue_all_inputs) {
    producer = std::thread([&] {
      std::vector<std::vector<uint8_t>> next = first_input;
      std::vector<std::span<const uint8_t>> spans(next.begin(), next.end());
      for (int k = 0; k < config.batch; ++k) {
        if (k > 0 && !fixed_inputs) FillRandomInputs(config.seed, k, next);
        Status s = pipeline->Push(spans);
        if (!s.ok()) {
          producer_status = s;
          break;
        }
      }
      pipeline->CloseInput();
    });
  }
  if (host.startup_ns > 0) {
    // The profile's thread start (a Python runtime starting its threads) before work begins.
    Pacer pacer(50'000);
    pacer.WaitUntil(start_ns + std::llround(host.startup_ns));
  }
  Status status = pipeline->Start();
  int64_t end_ns = start_ns;
  for (int k = 0; k < config.batch && status.ok(); ++k) {
    std::optional<PopResult> r = pipeline->Pop(out_spans);
    if (!r) {
      status = InternalError("pipeline ended before the batch was done");
      break;
    }
    status = r->status;
    end_ns = SteadyNowNs();
    // Results leave in input order: the first is the first input's. Paced Edge TPU stages
    // without a compute device write no real outputs.
    if (k == 0 && (config.edgetpu_compute || num_cpu == static_cast<int>(kinds.size())))
      report.first_outputs = outputs;
  }
  if (!status.ok()) pipeline->Stop();
  if (producer.joinable()) producer.join();
  SEGPIPE_RETURN_IF_ERROR(status);
  SEGPIPE_RETURN_IF_ERROR(producer_status);
  SEGPIPE_RETURN_IF_ERROR(pipeline->Finish());
  const double wall_ns = static_cast<double>(end_ns - start_ns);
  PipelineStats stats = pipeline->Stats();
  report.time_per_inference_ms = wall_ns / config.batch / 1e6 / scale;
  report.throughput_per_s = config.batch * 1e9 / wall_ns * scale;
  FillLatencies(report, stats.latency_p50_ns, stats.latency_p90_ns, stats.latency_p99_ns,
                stats.latency_max_ns, scale);
  for (int i = 0; i < num_stages; ++i) {
    StageReport& st = report.stages[static_cast<size_t>(i)];
    if (static_cast<size_t>(i) >= stats.stages.size()) continue;
    const StageStats& ss = stats.stages[static_cast<size_t>(i)];
    st.device = ss.device;
    st.utilisation = static_cast<double>(ss.busy_ns) / (wall_ns * st.replicas);
    std::optional<int64_t> modelled;
    if (local != nullptr) modelled = local->device(i).modelled_service_ns();
    if (modelled) {
      st.service_ms = static_cast<double>(*modelled) / 1e6 / scale;
    } else if (ss.count > 0) {
      st.service_ms = static_cast<double>(ss.busy_ns) / static_cast<double>(ss.count) / 1e6;
    }
    if (local == nullptr) continue;
    for (int r = 0; r < local->num_replicas(i); ++r)
      if (auto* tpu = dynamic_cast<EdgeTpuDevice*>(&local->device(i, r)))
        report.pacing_max_error_ns =
            std::max(report.pacing_max_error_ns, tpu->pacing_stats().max_error_ns);
  }
  if (trace) report.trace_json = trace->ToChromeJson(stage_names, replicas);
  return report;
}

StatusOr<RunConfig> RunConfigForPlan(const LoadedPlan& plan, const Model& model,
                                     RunConfig base) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int> cuts, PlanCutAfterLayers(plan, model));
  base.devices.clear();
  base.replicas.clear();
  bool replicated = false;
  int devices = 0;
  for (const Segment& s : plan.partition.segments) {
    for (int r = 0; r < s.replicas; ++r)
      base.devices += fmt::format("{}{}{}{}", base.devices.empty() ? "" : ",",
                                  DeviceKindName(s.device.kind), s.device.host.empty() ? "" : "@",
                                  s.device.host);
    devices += s.replicas;
    base.replicas.push_back(s.replicas);
    replicated |= s.replicas > 1;
  }
  if (devices > kMaxDevices)
    return FailedPreconditionError(fmt::format(
        "the plan uses {} devices; a pipeline runs on at most {}", devices, kMaxDevices));
  if (!replicated) base.replicas.clear();
  base.split.clear();
  for (int c : cuts) base.split += fmt::format("{}{}", base.split.empty() ? "" : ",", c);
  if (base.split.empty()) base.split = "params";
  return base;
}

std::string FormatRunReport(const RunReport& report) {
  std::string out = fmt::format("{:>5}  {:>7}  {:>9}  {:<42}  {:>9}  {:>9}  {:>10}  {:>5}\n",
                                "stage", "layers", "ops", "device", "on-chip", "off-chip",
                                "service", "util");
  for (size_t i = 0; i < report.stages.size(); ++i) {
    const StageReport& s = report.stages[i];
    const bool tpu = s.kind != DeviceKind::kCpu;
    out += fmt::format("{:>5}  {:>7}  {:>9}  {:<42}  {:>9}  {:>9}  {:>7.3f} ms  {:>4.0f}%\n", i + 1,
                       fmt::format("{}-{}", s.first_layer, s.last_layer),
                       fmt::format("{}-{}", s.first_op, s.last_op), s.device,
                       tpu ? FormatCompilerBytes(s.on_chip_bytes) : "-",
                       tpu ? FormatCompilerBytes(s.off_chip_bytes) : "-", s.service_ms,
                       100 * s.utilisation);
  }
  out += fmt::format(
      "{} {} of {} ({} host profile): {:.4f} ms per inference, {:.1f} inferences/s, "
      "latency p50 {:.3f} ms, p99 {:.3f} ms (each input, from when the pipeline accepted it{})\n",
      report.simulated ? "simulated" : "threaded",
      report.queue_all_inputs ? "batch (all inputs queued first)" : "stream", report.batch,
      report.host_profile, report.time_per_inference_ms, report.throughput_per_s,
      report.latency_p50_ms, report.latency_p99_ms,
      report.queue_all_inputs ? "; all were accepted at the start" : "");
  if (!report.simulated && report.pacing_max_error_ns > 0)
    out += fmt::format("worst Edge TPU pacing error: {:.1f} us\n",
                       static_cast<double>(report.pacing_max_error_ns) / 1e3);
  for (const PlanLink& l : report.links)
    out += fmt::format("link {} -> {}: {} bytes per frame, wire {:.3f} ms, transfer {:.3f} ms "
                       "({})\n",
                       l.from, l.to, l.bytes, l.wire_ms, l.transfer_ms, l.source);
  return out;
}

std::string RunReportJson(const RunReport& report) {
  nlohmann::json j;
  j["simulated"] = report.simulated;
  j["batch"] = report.batch;
  j["host_profile"] = report.host_profile;
  j["time_per_inference_ms"] = report.time_per_inference_ms;
  j["throughput_per_s"] = report.throughput_per_s;
  j["queue_all_inputs"] = report.queue_all_inputs;
  j["latency_p50_ms"] = report.latency_p50_ms;
  j["latency_p99_ms"] = report.latency_p99_ms;
  j["latency_ms"] = {{"p50", report.latency_p50_ms},
                     {"p90", report.latency_p90_ms},
                     {"p99", report.latency_p99_ms},
                     {"max", report.latency_max_ms}};
  if (!report.simulated) j["pacing_max_error_us"] = report.pacing_max_error_ns / 1e3;
  j["stages"] = nlohmann::json::array();
  for (const StageReport& s : report.stages) {
    nlohmann::json st;
    st["segment"] = {{"first_layer", s.first_layer}, {"last_layer", s.last_layer},
                     {"first_op", s.first_op}, {"last_op", s.last_op}};
    st["device"] = std::string(DeviceKindName(s.kind));
    st["description"] = s.device;
    st["replicas"] = s.replicas;
    if (s.kind != DeviceKind::kCpu) {
      st["on_chip_bytes"] = s.on_chip_bytes;
      st["off_chip_bytes"] = s.off_chip_bytes;
    }
    st["service_time_ms"] = s.service_ms;
    st["utilisation"] = s.utilisation;
    j["stages"].push_back(std::move(st));
  }
  return j.dump(2);
}

}  // namespace segpipe
