#include "segpipe/api/internal/profiler_factory.h"

#include <fmt/format.h>

#include <algorithm>

#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/pipeline/internal/profilers.h"

namespace segpipe::api {

StatusOr<std::vector<StageDevice>> ParseDevices(std::string_view text) {
  return ParseStageDevices(text);
}

namespace {

StatusOr<std::unique_ptr<SegmentProfiler>> MakeSingleProfiler(const segpipe::Model& model,
                                                              const std::string& profile,
                                                              const HostProfile& host,
                                                              int measure_repeats) {
  if (profile == "model")
    return std::unique_ptr<SegmentProfiler>(
        std::make_unique<ModelProfiler>(model, EdgeTpuSpec{}, host));
  if (profile == "simulate")
    return std::unique_ptr<SegmentProfiler>(
        std::make_unique<SimulatedProfiler>(model, EdgeTpuSpec{}, host));
  if (profile == "measure")
    return std::unique_ptr<SegmentProfiler>(
        std::make_unique<MeasuredProfiler>(model, MeasureOptions{.repeats = measure_repeats}));
  return InvalidArgumentError(
      fmt::format("unknown profile '{}' (expected model, simulate or measure)", profile));
}

}  // namespace

StatusOr<std::unique_ptr<SegmentProfiler>> MakeProfiler(const segpipe::Model& model,
                                                        std::span<const StageDevice> devices,
                                                        const std::string& profile,
                                                        const std::string& host_profile,
                                                        int measure_repeats) {
  if (measure_repeats < 1) return InvalidArgumentError("measure repeats must be >= 1");
  SEGPIPE_ASSIGN_OR_RETURN(HostProfile host, HostProfileByName(host_profile));
  SEGPIPE_ASSIGN_OR_RETURN(auto profiler,
                           MakeSingleProfiler(model, profile, host, measure_repeats));
  const bool has_cpu = std::any_of(devices.begin(), devices.end(), [](const StageDevice& d) {
    return d.kind == StageDevice::Kind::kCpu;
  });
  if (!has_cpu || profile == "measure") return profiler;
  return std::unique_ptr<SegmentProfiler>(std::make_unique<MixedProfiler>(
      std::move(profiler),
      std::make_unique<MeasuredProfiler>(model, MeasureOptions{.repeats = measure_repeats})));
}

}  // namespace segpipe::api
