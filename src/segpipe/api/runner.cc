#include "segpipe/api/runner.h"

#include <fmt/format.h>

#include <mutex>

#include "segpipe/api/internal/plan_data.h"
#include "segpipe/device/internal/cpu_device.h"
#include "segpipe/device/internal/edgetpu_compiler.h"
#include "segpipe/device/internal/edgetpu_device.h"
#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/pipeline/sim/internal/simulator.h"
#if SEGPIPE_WITH_REMOTE
#include "segpipe/remote/internal/remote_pipeline.h"
#endif

namespace segpipe::api {

namespace {

// What the default factory derives from the plan once, on its first request.
struct FactoryState {
  Model model;
  Plan plan;
  RunnerOptions options;
  std::once_flag once;
  Status status;
  std::vector<SimStage> phases;  // per stage; Edge TPU stages only
  std::vector<int> first_cpu;    // per stage: the CPU core of its replica 0
  bool pin = false;
  std::shared_ptr<SharedResource> host_lock = std::make_shared<SharedResource>();

  FactoryState(Model m, Plan p, RunnerOptions o)
      : model(std::move(m)), plan(std::move(p)), options(std::move(o)) {}

  Status Init() {
    const std::vector<PlanSegment>& segs = plan.segments();
    const Segment* first = nullptr;
    int cpus = 0;
    bool any_edgetpu = false;
    for (const Segment& s : plan.data().loaded.partition.segments) {
      if (first == nullptr) first = &s;
      first_cpu.push_back(cpus);
      if (s.device.kind == StageDevice::Kind::kCpu) {
        cpus += s.replicas;
      } else {
        any_edgetpu = true;
      }
    }
    pin = cpus <= AvailableCores();
    phases.resize(segs.size());
    if (!any_edgetpu) return OkStatus();
    SEGPIPE_ASSIGN_OR_RETURN(HostProfile host, HostProfileByName(options.host_profile));
    SplitSpec split;
    split.kind = SplitKind::kExplicit;
    SEGPIPE_ASSIGN_OR_RETURN(split.cut_after_layers,
                             PlanCutAfterLayers(plan.data().loaded, model.internal()));
    SEGPIPE_ASSIGN_OR_RETURN(
        EdgeTpuCompilation compiled,
        CompileForEdgeTpu(model.internal(), static_cast<int>(segs.size()), split, EdgeTpuSpec{}));
    if (compiled.segments.size() != segs.size())
      return InternalError("the plan's split produced a different number of segments");
    for (size_t i = 0; i < segs.size(); ++i) {
      const CompiledSegment& seg = compiled.segments[i];
      phases[i] = EdgeTpuSimStage(seg.timing, seg.placement.cpu_ops_ns, host,
                                  /*shared_host_link=*/false, segs[i].replicas);
    }
    return OkStatus();
  }
};

double NsToMs(int64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

DeviceFactory DefaultDeviceFactory(const Model& model, const Plan& plan,
                                   const RunnerOptions& options) {
  auto state = std::make_shared<FactoryState>(model, plan, options);
  return [state](const DeviceRequest& request) -> StatusOr<std::unique_ptr<Device>> {
    std::call_once(state->once, [&] { state->status = state->Init(); });
    SEGPIPE_RETURN_IF_ERROR(state->status);
    if (request.stage < 0 || request.stage >= static_cast<int>(state->phases.size()))
      return InvalidArgumentError(fmt::format("no stage {} in the plan", request.stage));
    const size_t stage = static_cast<size_t>(request.stage);
    if (request.kind == "cpu") {
      const int core = state->first_cpu[stage] + request.replica;
      return std::unique_ptr<Device>(
          std::make_unique<CpuDevice>(CpuDeviceOptions{.core = state->pin ? core : -1}));
    }
    EdgeTpuDeviceOptions o;
    o.phases = PacedPhasesFor(state->phases[stage], state->host_lock, nullptr);
    o.compute = std::make_unique<CpuDevice>();
    return std::unique_ptr<Device>(std::make_unique<EdgeTpuDevice>(std::move(o)));
  };
}

struct PipelinedModelRunner::Impl {
  std::unique_ptr<StreamPipeline> pipeline;
  int num_stages = 0;
};

namespace {

// A plan whose devices are on stage hosts: the hosts prepare their own devices (CPU stages
// compute, Edge TPU stages are paced to the plan's phases and compute the real outputs).
StatusOr<std::unique_ptr<StreamPipeline>> CreateOnStageHosts(const Model& model, const Plan& plan,
                                                             const RunnerOptions& options) {
#if SEGPIPE_WITH_REMOTE
  if (options.stage_host_token.empty())
    return InvalidArgumentError(
        "the plan's devices are on stage hosts: give RunnerOptions::stage_host_token");
  FactoryState state(model, plan, options);
  SEGPIPE_RETURN_IF_ERROR(state.Init());
  RemoteRunRequest request;
  request.model = &model.internal();
  request.queue_capacity = options.queue_size;
  request.edgetpu_compute = true;
  const Partition& partition = plan.data().loaded.partition;
  for (size_t i = 0; i < partition.segments.size(); ++i) {
    const Segment& s = partition.segments[i];
    if (s.device.host.empty())
      return InvalidArgumentError(
          "the plan mixes devices of this process with stage hosts; serve the local ones too");
    if (s.replicas != 1)
      return InvalidArgumentError("replicated stages do not run on stage hosts");
    request.stages.push_back(
        RemoteStage{s.first_op, s.last_op, s.device.kind, s.device.host, state.phases[i].phases});
  }
  remote::CoordinatorOptions coordinator;
  coordinator.security = {options.stage_host_token, options.stage_host_tls_ca_pem};
  return remote::CreateRemotePipeline(request, coordinator);
#else
  return FailedPreconditionError(
      "this segpipe was built without stage hosts (SEGPIPE_BUILD_REMOTE=OFF)");
#endif
}

}  // namespace

PipelinedModelRunner::PipelinedModelRunner(Model model, std::unique_ptr<Impl> impl)
    : model_(std::move(model)), impl_(std::move(impl)) {}

PipelinedModelRunner::~PipelinedModelRunner() = default;

StatusOr<std::unique_ptr<PipelinedModelRunner>> PipelinedModelRunner::Create(
    const Model& model, const Plan& plan, DeviceFactory factory, const RunnerOptions& options) {
  if (options.queue_size < 1) return InvalidArgumentError("queue size must be >= 1");
  SEGPIPE_RETURN_IF_ERROR(CheckPlanForModel(plan, model));
  const Partition& partition = plan.data().loaded.partition;
  bool on_hosts = false;
  for (const Segment& s : partition.segments) on_hosts |= !s.device.host.empty();
  if (on_hosts) {
    if (factory)
      return InvalidArgumentError("a device factory makes devices of this process; a plan on "
                                  "stage hosts uses the hosts' devices");
    auto impl = std::make_unique<Impl>();
    impl->num_stages = static_cast<int>(partition.segments.size());
    SEGPIPE_ASSIGN_OR_RETURN(impl->pipeline, CreateOnStageHosts(model, plan, options));
    SEGPIPE_RETURN_IF_ERROR(impl->pipeline->Start());
    return std::unique_ptr<PipelinedModelRunner>(new PipelinedModelRunner(model, std::move(impl)));
  }
  if (!factory) factory = DefaultDeviceFactory(model, plan, options);
  std::vector<std::unique_ptr<Device>> devices;
  PipelineOptions pipeline_options;
  pipeline_options.queue_capacity = options.queue_size;
  for (size_t i = 0; i < partition.segments.size(); ++i) {
    const Segment& s = partition.segments[i];
    pipeline_options.replicas.push_back(s.replicas);
    for (int r = 0; r < s.replicas; ++r) {
      DeviceRequest request{.stage = static_cast<int>(i),
                            .replica = r,
                            .kind = std::string(DeviceKindName(s.device.kind)),
                            .first_op = s.first_op,
                            .last_op = s.last_op};
      SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Device> device, factory(request));
      if (device == nullptr)
        return InvalidArgumentError(
            fmt::format("the device factory returned no device for stage {}", i));
      devices.push_back(std::move(device));
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->num_stages = static_cast<int>(partition.segments.size());
  SEGPIPE_ASSIGN_OR_RETURN(impl->pipeline, Pipeline::Create(model.internal(), LastOps(partition),
                                                            std::move(devices), pipeline_options));
  SEGPIPE_RETURN_IF_ERROR(impl->pipeline->Start());
  return std::unique_ptr<PipelinedModelRunner>(new PipelinedModelRunner(model, std::move(impl)));
}

Status PipelinedModelRunner::Push(std::span<const std::span<const uint8_t>> inputs) {
  const std::vector<TensorInfo>& infos = model_.inputs();
  if (inputs.size() != infos.size())
    return InvalidArgumentError(
        fmt::format("the model takes {} input(s), got {}", infos.size(), inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (static_cast<int64_t>(inputs[i].size()) != infos[i].num_bytes)
      return InvalidArgumentError(fmt::format("input {} ('{}') takes {} bytes, got {}", i,
                                              infos[i].name, infos[i].num_bytes, inputs[i].size()));
  return impl_->pipeline->Push(inputs);
}

Status PipelinedModelRunner::Push(const std::vector<std::vector<uint8_t>>& inputs) {
  std::vector<std::span<const uint8_t>> spans(inputs.begin(), inputs.end());
  return Push(std::span<const std::span<const uint8_t>>(spans));
}

void PipelinedModelRunner::Close() { impl_->pipeline->CloseInput(); }

std::optional<RunnerResult> PipelinedModelRunner::Pop(std::span<const std::span<uint8_t>> outputs) {
  const std::vector<TensorInfo>& infos = model_.outputs();
  bool sizes_ok = outputs.size() == infos.size();
  for (size_t i = 0; sizes_ok && i < outputs.size(); ++i)
    sizes_ok = static_cast<int64_t>(outputs[i].size()) == infos[i].num_bytes;
  // A bug of the caller, not of the stream: the runtime writes exactly the model's sizes.
  SEGPIPE_CHECK(sizes_ok);
  std::optional<PopResult> r = impl_->pipeline->Pop(outputs);
  if (!r) return std::nullopt;
  return RunnerResult{r->sequence, r->status};
}

std::optional<RunnerResult> PipelinedModelRunner::Pop(std::vector<std::vector<uint8_t>>* outputs) {
  const std::vector<TensorInfo>& infos = model_.outputs();
  outputs->resize(infos.size());
  std::vector<std::span<uint8_t>> spans;
  for (size_t i = 0; i < infos.size(); ++i) {
    (*outputs)[i].resize(static_cast<size_t>(infos[i].num_bytes));
    spans.emplace_back((*outputs)[i]);
  }
  return Pop(std::span<const std::span<uint8_t>>(spans));
}

Status PipelinedModelRunner::Finish() { return impl_->pipeline->Finish(); }

int PipelinedModelRunner::num_stages() const { return impl_->num_stages; }

RunnerStats PipelinedModelRunner::Stats() const {
  const PipelineStats s = impl_->pipeline->Stats();
  RunnerStats out;
  out.completed = s.completed;
  out.failed = s.failed;
  out.elapsed_ms = NsToMs(s.elapsed_ns);
  out.throughput_per_s = s.throughput_per_s;
  out.latency_p50_ms = NsToMs(s.latency_p50_ns);
  out.latency_p90_ms = NsToMs(s.latency_p90_ns);
  out.latency_p99_ms = NsToMs(s.latency_p99_ns);
  out.latency_max_ms = NsToMs(s.latency_max_ns);
  for (const StageStats& st : s.stages)
    out.stages.push_back({.device = st.device,
                          .first_op = st.first_op,
                          .last_op = st.last_op,
                          .replicas = st.replicas,
                          .count = st.count,
                          .busy_ms = NsToMs(st.busy_ns),
                          .wait_input_ms = NsToMs(st.wait_input_ns),
                          .blocked_output_ms = NsToMs(st.blocked_output_ns)});
  return out;
}

}  // namespace segpipe::api
