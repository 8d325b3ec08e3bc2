// Simulated and measured segment profiles; see profilers.h.
#include "segpipe/pipeline/internal/profilers.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "segpipe/core/internal/statistics.h"
#include "segpipe/device/internal/cpu_device.h"
#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/pipeline/sim/internal/simulator.h"

namespace segpipe {
namespace {

// `simulate` times Edge TPU stages (either link), `measure` CPU stages.
Status RequireKind(const StageDevice& device, StageDevice::Kind kind, std::string_view profile) {
  if (IsEdgeTpu(device.kind) == IsEdgeTpu(kind)) return OkStatus();
  return UnimplementedError(
      fmt::format("--profile {} times {} stages only; the stage on {} needs --profile {}", profile,
                  IsEdgeTpu(kind) ? "Edge TPU" : "cpu", DeviceName(device),
                  kind == StageDevice::Kind::kCpu ? "model or simulate" : "measure"));
}

std::vector<uint8_t> RandomBytes(int64_t n, std::mt19937_64& rng) {
  std::vector<uint8_t> bytes(static_cast<size_t>(n));
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

}  // namespace

SimulatedProfiler::SimulatedProfiler(const Model& model, EdgeTpuSpec spec, HostProfile host,
                                     int queue_capacity)
    : model_(model), spec_(spec), host_(std::move(host)), queue_capacity_(queue_capacity) {}

StatusOr<SegmentProfile> SimulatedProfiler::ProfileUncached(int first_op, int last_op,
                                                            const StageDevice& device) {
  SEGPIPE_RETURN_IF_ERROR(RequireKind(device, StageDevice::Kind::kEdgeTpu, "simulate"));
  SEGPIPE_ASSIGN_OR_RETURN(SegmentPlacement placement,
                           PlaceSegment(model_, first_op, last_op, spec_));
  const SegmentTiming timing = EstimateSegmentTiming(placement, SpecForDevice(spec_, device.kind));
  // One input through the stage: its phases (host work, device time) and the hand-off out of
  // it, which is what the stage adds to a pipeline's fill time and, at the bottleneck, to its
  // period (as StageTimeNs counts it).
  const SimStage stage =
      EdgeTpuSimStage(timing, placement.cpu_ops_ns, host_, /*shared_host_link=*/false);
  SegmentProfile profile;
  profile.stage_ms =
      static_cast<double>(stage.service_ns() + std::llround(host_.per_hop_ns)) * 1e-6;
  profile.on_chip_bytes = placement.on_chip_bytes;
  profile.off_chip_bytes = placement.off_chip_bytes;
  return profile;
}

StatusOr<double> SimulatedProfiler::TimePipelineUncachedMs(const Partition& partition, int batch) {
  std::vector<SimStage> stages;
  for (const Segment& s : partition.segments) {
    SEGPIPE_RETURN_IF_ERROR(RequireKind(s.device, StageDevice::Kind::kEdgeTpu, "simulate"));
    SEGPIPE_ASSIGN_OR_RETURN(SegmentPlacement p,
                             PlaceSegment(model_, s.first_op, s.last_op, spec_));
    stages.push_back(EdgeTpuSimStage(EstimateSegmentTiming(p, SpecForDevice(spec_, s.device.kind)),
                                     p.cpu_ops_ns, host_,
                                     /*shared_host_link=*/false, s.replicas));
  }
  SimConfig config = PipelineSimConfig(std::move(stages), host_, queue_capacity_);
  SEGPIPE_ASSIGN_OR_RETURN(SimResult r, SimulateBatch(config, batch));
  return r.time_per_inference_ns * 1e-6;
}

MeasuredProfiler::MeasuredProfiler(const Model& model, MeasureOptions options)
    : model_(model), options_(options) {}

StatusOr<SegmentProfile> MeasuredProfiler::ProfileUncached(int first_op, int last_op,
                                                           const StageDevice& device) {
  SEGPIPE_RETURN_IF_ERROR(RequireKind(device, StageDevice::Kind::kCpu, "measure"));
  SEGPIPE_ASSIGN_OR_RETURN(Model segment, ExtractSegment(model_, first_op, last_op));
  CpuDevice cpu(CpuDeviceOptions{.core = options_.pin_cores ? device.index : -1});
  SEGPIPE_RETURN_IF_ERROR(cpu.Prepare(segment));
  cpu.OnStageThreadStart(0);

  std::mt19937_64 rng(options_.seed);
  std::vector<std::vector<uint8_t>> in_bytes, out_bytes;
  std::vector<std::span<const uint8_t>> in;
  std::vector<std::span<uint8_t>> out;
  for (int32_t t : segment.inputs) in_bytes.push_back(RandomBytes(segment.tensor(t).num_bytes(), rng));
  for (int32_t t : segment.outputs)
    out_bytes.emplace_back(static_cast<size_t>(segment.tensor(t).num_bytes()));
  for (auto& b : in_bytes) in.emplace_back(b);
  for (auto& b : out_bytes) out.emplace_back(b);
  const DeviceIo io{in, out};

  std::vector<double> times_ms;
  for (int i = 0; i < options_.warmup + options_.repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    SEGPIPE_RETURN_IF_ERROR(cpu.Invoke(i, io));
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (i >= options_.warmup) times_ms.push_back(took.count());
  }
  SegmentProfile profile;
  profile.stage_ms = Median(std::move(times_ms));
  for (int op = first_op; op <= last_op; ++op)
    profile.off_chip_bytes += ComputeOpCost(model_, model_.ops[op]).weight_bytes;
  return profile;
}

StatusOr<double> MeasuredProfiler::TimePipelineUncachedMs(const Partition& partition, int batch) {
  // One CPU core per device: stage k's replicas run on the cores after the previous stages'.
  std::vector<std::unique_ptr<Device>> devices;
  std::vector<int> replicas;
  for (const Segment& s : partition.segments) {
    SEGPIPE_RETURN_IF_ERROR(RequireKind(s.device, StageDevice::Kind::kCpu, "measure"));
    for (int r = 0; r < s.replicas; ++r)
      devices.push_back(std::make_unique<CpuDevice>(
          CpuDeviceOptions{.core = options_.pin_cores ? s.device.index + r : -1}));
    replicas.push_back(s.replicas);
  }
  std::vector<int> last_ops;
  for (const Segment& s : partition.segments) last_ops.push_back(s.last_op);
  PipelineOptions pipeline_options;
  pipeline_options.replicas = replicas;
  pipeline_options.input_capacity = batch;   // all inputs queued before timing, as the paper did
  pipeline_options.output_capacity = batch;
  SEGPIPE_ASSIGN_OR_RETURN(auto pipeline,
                           Pipeline::Create(model_, last_ops, std::move(devices), pipeline_options));

  std::mt19937_64 rng(options_.seed);
  std::vector<std::vector<std::vector<uint8_t>>> in_bytes(static_cast<size_t>(batch));
  std::vector<std::vector<std::vector<uint8_t>>> out_bytes(static_cast<size_t>(batch));
  std::vector<std::vector<std::span<const uint8_t>>> inputs(static_cast<size_t>(batch));
  std::vector<std::vector<std::span<uint8_t>>> outputs(static_cast<size_t>(batch));
  for (int b = 0; b < batch; ++b) {
    for (int32_t t : model_.inputs) in_bytes[b].push_back(RandomBytes(model_.tensor(t).num_bytes(), rng));
    for (int32_t t : model_.outputs)
      out_bytes[b].emplace_back(static_cast<size_t>(model_.tensor(t).num_bytes()));
    for (auto& x : in_bytes[b]) inputs[b].emplace_back(x);
    for (auto& x : out_bytes[b]) outputs[b].emplace_back(x);
  }
  std::vector<Status> statuses(static_cast<size_t>(batch));
  const auto start = std::chrono::steady_clock::now();
  SEGPIPE_RETURN_IF_ERROR(pipeline->Start());
  SEGPIPE_RETURN_IF_ERROR(pipeline->RunBatch(inputs, outputs, statuses));
  SEGPIPE_RETURN_IF_ERROR(pipeline->Finish());
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  return took.count() / batch;
}

}  // namespace segpipe
