// RunPipeline: device list + split + host profile -> a timed threaded or simulated batch.
#include "segpipe/pipeline/run.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "segpipe/device/cpu_device.h"
#include "segpipe/device/edgetpu_compiler.h"
#include "segpipe/pipeline/pipeline.h"

namespace segpipe {
namespace {

constexpr int kMaxDevices = 16;
constexpr int kCpuProfileRuns = 5;

StatusOr<DeviceKind> ParseKind(std::string_view name) {
  if (name == "cpu") return DeviceKind::kCpu;
  if (name == "edgetpu") return DeviceKind::kEdgeTpu;
  if (name == "edgetpu-usb") return DeviceKind::kEdgeTpuUsb;
  return InvalidArgumentError(
      fmt::format("unknown device '{}'; expected cpu, edgetpu or edgetpu-usb (e.g. cpu:2, "
                  "edgetpu:4, cpu,edgetpu, edgetpu,edgetpu-usb)",
                  name));
}

std::string_view KindName(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kCpu:
      return "cpu";
    case DeviceKind::kEdgeTpu:
      return EdgeTpuLinkName(EdgeTpuLink::kPcie);
    case DeviceKind::kEdgeTpuUsb:
      return EdgeTpuLinkName(EdgeTpuLink::kUsb);
  }
  return "cpu";
}

std::vector<std::vector<uint8_t>> RandomInputs(const Model& model, uint64_t seed, int64_t index) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(index));
  std::vector<std::vector<uint8_t>> inputs;
  for (int32_t t : model.inputs) {
    std::vector<uint8_t> bytes(static_cast<size_t>(model.tensor(t).num_bytes()));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

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

StatusOr<std::vector<DeviceKind>> ParseDeviceList(std::string_view text) {
  std::vector<DeviceKind> kinds;
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    SEGPIPE_ASSIGN_OR_RETURN(DeviceKind kind, ParseKind(text.substr(0, colon)));
    std::string_view count_text = text.substr(colon + 1);
    int count = 0;
    auto [ptr, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (ec != std::errc() || ptr != count_text.data() + count_text.size() || count < 1 ||
        count > kMaxDevices)
      return InvalidArgumentError(fmt::format(
          "devices '{}': the count after ':' must be a number from 1 to {}", text, kMaxDevices));
    kinds.assign(static_cast<size_t>(count), kind);
    return kinds;
  }
  std::string_view rest = text;
  while (true) {
    const size_t comma = rest.find(',');
    SEGPIPE_ASSIGN_OR_RETURN(DeviceKind kind, ParseKind(rest.substr(0, comma)));
    kinds.push_back(kind);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (static_cast<int>(kinds.size()) > kMaxDevices)
    return InvalidArgumentError(fmt::format("at most {} devices", kMaxDevices));
  return kinds;
}

std::vector<PacedPhase> PacedPhasesFor(const SegmentTiming& timing, const HostProfile& host,
                                       const std::shared_ptr<SharedResource>& host_lock,
                                       const std::shared_ptr<SharedResource>& host_link) {
  std::vector<PacedPhase> phases;
  if (host.per_stage_host_ns > 0)
    phases.push_back(PacedPhase{std::llround(host.per_stage_host_ns),
                                host.host_serialized ? host_lock : nullptr});
  if (host_link) {
    const double link_ns = timing.input_transfer_ns + timing.output_transfer_ns +
                           timing.stream_ns + timing.restream_ns;
    phases.push_back(PacedPhase{std::llround(link_ns), host_link});
    phases.push_back(PacedPhase{std::llround(timing.total_ns() - link_ns), nullptr});
  } else {
    phases.push_back(PacedPhase{std::llround(timing.total_ns()), nullptr});
  }
  return phases;
}

StatusOr<RunReport> RunPipeline(const Model& model, const RunConfig& config) {
  if (config.batch < 1) return InvalidArgumentError("batch must be >= 1");
  if (config.queue_capacity < 1) return InvalidArgumentError("queue capacity must be >= 1");
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<DeviceKind> kinds, ParseDeviceList(config.devices));
  SEGPIPE_ASSIGN_OR_RETURN(HostProfile host, HostProfileByName(config.host_profile));
  SEGPIPE_ASSIGN_OR_RETURN(SplitSpec split, ParseSplitSpec(config.split));
  const int num_stages = static_cast<int>(kinds.size());
  SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation compiled,
                           CompileForEdgeTpu(model, num_stages, split, config.spec));
  if (static_cast<int>(compiled.segments.size()) != num_stages)
    return InternalError("the split produced a different number of segments than devices");
  // Same chip, same placement; a USB stage's invocations cross the USB link.
  for (int i = 0; i < num_stages; ++i)
    if (kinds[static_cast<size_t>(i)] == DeviceKind::kEdgeTpuUsb) {
      CompiledSegment& seg = compiled.segments[static_cast<size_t>(i)];
      seg.timing = EstimateSegmentTiming(seg.placement, WithLink(config.spec, EdgeTpuLink::kUsb));
    }

  RunReport report;
  report.simulated = config.simulate;
  report.batch = config.batch;
  report.host_profile = host.name;
  std::vector<int> last_ops;
  int num_cpu = 0;
  for (int i = 0; i < num_stages; ++i) {
    const CompiledSegment& seg = compiled.segments[static_cast<size_t>(i)];
    last_ops.push_back(seg.placement.last_op);
    StageReport st;
    st.first_op = seg.placement.first_op;
    st.last_op = seg.placement.last_op;
    st.first_layer = seg.first_layer;
    st.last_layer = seg.last_layer;
    st.kind = kinds[static_cast<size_t>(i)];
    if (st.kind != DeviceKind::kCpu) {
      st.on_chip_bytes = seg.placement.on_chip_bytes;
      st.off_chip_bytes = seg.placement.off_chip_bytes;
    } else {
      ++num_cpu;
    }
    report.stages.push_back(st);
  }
  // Pin CPU stages one per core when they fit; on a smaller machine let the scheduler share.
  const bool pin = num_cpu <= AvailableCores();
  auto host_lock = std::make_shared<SharedResource>();
  auto host_link = config.shared_host_link ? std::make_shared<SharedResource>() : nullptr;

  if (config.simulate) {
    SimConfig sim;
    sim.num_resources = 2;
    sim.queue_capacity = config.queue_capacity;
    sim.per_hop_ns = std::llround(host.per_hop_ns);
    sim.startup_ns = std::llround(host.startup_ns);
    for (int i = 0; i < num_stages; ++i) {
      StageReport& st = report.stages[static_cast<size_t>(i)];
      SimStage stage;
      if (st.kind != DeviceKind::kCpu) {
        for (const PacedPhase& p : PacedPhasesFor(compiled.segments[static_cast<size_t>(i)].timing,
                                                  host, host_lock, host_link)) {
          const int resource = p.resource == nullptr   ? -1
                               : p.resource == host_lock ? kHostWorkResource
                                                         : kHostLinkResource;
          stage.phases.push_back(SimPhase{p.duration_ns, resource});
        }
        st.device = fmt::format("{} (modelled)", KindName(st.kind));
      } else {
        SEGPIPE_ASSIGN_OR_RETURN(Model segment, ExtractSegment(model, st.first_op, st.last_op));
        SEGPIPE_ASSIGN_OR_RETURN(int64_t ns, MeasureCpuServiceNs(segment, config.seed));
        stage.phases.push_back(SimPhase{ns, -1});
        st.device = "cpu (measured)";
      }
      st.service_ms = static_cast<double>(stage.service_ns()) / 1e6;
      sim.stages.push_back(std::move(stage));
    }
    SEGPIPE_ASSIGN_OR_RETURN(SimResult r, SimulateBatch(sim, config.batch));
    report.time_per_inference_ms = r.time_per_inference_ns / 1e6;
    report.throughput_per_s = r.throughput_per_s;
    report.latency_p50_ms = static_cast<double>(r.latency_p50_ns) / 1e6;
    report.latency_p99_ms = static_cast<double>(r.latency_p99_ns) / 1e6;
    for (size_t i = 0; i < report.stages.size(); ++i)
      report.stages[i].utilisation = r.stage_utilisation[i];
    return report;
  }

  std::vector<std::unique_ptr<Device>> devices;
  int cpu_index = 0;
  for (int i = 0; i < num_stages; ++i) {
    const StageReport& st = report.stages[static_cast<size_t>(i)];
    if (st.kind == DeviceKind::kCpu) {
      devices.push_back(std::make_unique<CpuDevice>(CpuDeviceOptions{.core = pin ? cpu_index : -1}));
      ++cpu_index;
    } else {
      EdgeTpuDeviceOptions o;
      o.phases = PacedPhasesFor(compiled.segments[static_cast<size_t>(i)].timing, host, host_lock,
                                host_link);
      if (config.edgetpu_compute) o.compute = std::make_unique<CpuDevice>();
      devices.push_back(std::make_unique<EdgeTpuDevice>(std::move(o)));
    }
  }
  PipelineOptions options;
  options.queue_capacity = config.queue_capacity;
  options.input_capacity = config.batch;  // the whole batch waits in the first queue
  SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline,
                           Pipeline::Create(model, last_ops, std::move(devices), options));
  // Inputs and result buffers are made before the clock starts.
  std::vector<std::vector<std::vector<uint8_t>>> inputs;
  for (int k = 0; k < config.batch; ++k) inputs.push_back(RandomInputs(model, config.seed, k));
  std::vector<std::vector<uint8_t>> outputs;
  for (int32_t t : model.outputs) outputs.emplace_back(model.tensor(t).num_bytes());
  std::vector<std::span<uint8_t>> out_spans(outputs.begin(), outputs.end());
  for (const auto& in : inputs) {
    std::vector<std::span<const uint8_t>> spans(in.begin(), in.end());
    SEGPIPE_RETURN_IF_ERROR(pipeline->Push(spans));
  }
  const int64_t start_ns = SteadyNowNs();
  if (host.startup_ns > 0) {
    // The profile's thread start (a Python runtime starting its threads) before work begins.
    Pacer pacer(50'000);
    pacer.WaitUntil(start_ns + std::llround(host.startup_ns));
  }
  SEGPIPE_RETURN_IF_ERROR(pipeline->Start());
  int64_t end_ns = start_ns;
  for (int k = 0; k < config.batch; ++k) {
    std::optional<PopResult> r = pipeline->Pop(out_spans);
    if (!r) return InternalError("pipeline ended before the batch was done");
    SEGPIPE_RETURN_IF_ERROR(r->status);
    end_ns = SteadyNowNs();
  }
  SEGPIPE_RETURN_IF_ERROR(pipeline->Finish());
  const double wall_ns = static_cast<double>(end_ns - start_ns);
  PipelineStats stats = pipeline->Stats();
  report.time_per_inference_ms = wall_ns / config.batch / 1e6;
  report.throughput_per_s = config.batch * 1e9 / wall_ns;
  report.latency_p50_ms = static_cast<double>(stats.latency_p50_ns) / 1e6;
  report.latency_p99_ms = static_cast<double>(stats.latency_p99_ns) / 1e6;
  for (int i = 0; i < num_stages; ++i) {
    StageReport& st = report.stages[static_cast<size_t>(i)];
    const StageStats& ss = stats.stages[static_cast<size_t>(i)];
    Device& device = pipeline->device(i);
    st.device = device.Describe();
    st.utilisation = static_cast<double>(ss.busy_ns) / wall_ns;
    if (std::optional<int64_t> modelled = device.modelled_service_ns()) {
      st.service_ms = static_cast<double>(*modelled) / 1e6;
    } else if (ss.count > 0) {
      st.service_ms = static_cast<double>(ss.busy_ns) / static_cast<double>(ss.count) / 1e6;
    }
    if (auto* tpu = dynamic_cast<EdgeTpuDevice*>(&device))
      report.pacing_max_error_ns =
          std::max(report.pacing_max_error_ns, tpu->pacing_stats().max_error_ns);
  }
  return report;
}

std::string FormatRunReport(const RunReport& report) {
  std::string out = fmt::format("{:>5}  {:>7}  {:>9}  {:<42}  {:>9}  {:>9}  {:>10}  {:>5}\n",
                                "stage", "layers", "ops", "device", "on-chip", "off-chip",
                                "service", "util");
  for (size_t i = 0; i < report.stages.size(); ++i) {
    const StageReport& s = report.stages[i];
    const bool tpu = s.kind != DeviceKind::kCpu;
    out += fmt::format(
        "{:>5}  {:>7}  {:>9}  {:<42}  {:>9}  {:>9}  {:>7.3f} ms  {:>4.0f}%\n", i,
        fmt::format("{}-{}", s.first_layer, s.last_layer),
        fmt::format("{}-{}", s.first_op, s.last_op), s.device,
        tpu ? FormatCompilerBytes(s.on_chip_bytes) : "-",
        tpu ? FormatCompilerBytes(s.off_chip_bytes) : "-", s.service_ms, 100 * s.utilisation);
  }
  out += fmt::format(
      "{} batch of {} ({} host profile): {:.4f} ms per inference, {:.1f} inferences/s, "
      "latency p50 {:.3f} ms, p99 {:.3f} ms\n",
      report.simulated ? "simulated" : "threaded", report.batch, report.host_profile,
      report.time_per_inference_ms, report.throughput_per_s, report.latency_p50_ms,
      report.latency_p99_ms);
  if (!report.simulated && report.pacing_max_error_ns > 0)
    out += fmt::format("worst Edge TPU pacing error: {:.1f} us\n",
                       static_cast<double>(report.pacing_max_error_ns) / 1e3);
  return out;
}

std::string RunReportJson(const RunReport& report) {
  nlohmann::json j;
  j["simulated"] = report.simulated;
  j["batch"] = report.batch;
  j["host_profile"] = report.host_profile;
  j["time_per_inference_ms"] = report.time_per_inference_ms;
  j["throughput_per_s"] = report.throughput_per_s;
  j["latency_p50_ms"] = report.latency_p50_ms;
  j["latency_p99_ms"] = report.latency_p99_ms;
  if (!report.simulated) j["pacing_max_error_us"] = report.pacing_max_error_ns / 1e3;
  j["stages"] = nlohmann::json::array();
  for (const StageReport& s : report.stages) {
    nlohmann::json st;
    st["segment"] = {{"first_layer", s.first_layer}, {"last_layer", s.last_layer},
                     {"first_op", s.first_op}, {"last_op", s.last_op}};
    st["device"] = std::string(KindName(s.kind));
    st["description"] = s.device;
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
