// Segment profiles from the Edge TPU placement and timing model.
#include "segpipe/partition/model_profiler.h"

#include <fmt/format.h>

namespace segpipe {

double ModelProfiler::HostStageNs() const { return host_.per_stage_host_ns + host_.per_hop_ns; }

StatusOr<SegmentProfile> ModelProfiler::ProfileUncached(int first_op, int last_op,
                                                        const StageDevice& device) {
  if (device.kind != StageDevice::Kind::kEdgeTpu)
    return UnimplementedError(fmt::format(
        "the analytic profile models Edge TPUs only; the stage on {} needs --profile measure",
        DeviceName(device)));
  SEGPIPE_ASSIGN_OR_RETURN(SegmentPlacement placement,
                           PlaceSegment(model_, index_, first_op, last_op, spec_));
  const SegmentTiming timing = EstimateSegmentTiming(placement, spec_);
  SegmentProfile profile;
  profile.stage_ms = (timing.total_ns() + HostStageNs()) * 1e-6;
  profile.on_chip_bytes = placement.on_chip_bytes;
  profile.off_chip_bytes = placement.off_chip_bytes;
  return profile;
}

StatusOr<double> ModelProfiler::TimePipelineUncachedMs(const Partition& partition, int batch) {
  std::vector<double> device_ns;
  for (const Segment& s : partition.segments) {
    // PipelineBatchWallNs has one device per stage; replicated plans use the generic estimate.
    if (s.replicas != 1) return SegmentProfiler::TimePipelineUncachedMs(partition, batch);
    SEGPIPE_ASSIGN_OR_RETURN(SegmentProfile p, Profile(s.first_op, s.last_op, s.device));
    device_ns.push_back(p.stage_ms * 1e6 - HostStageNs());
  }
  return PipelineBatchWallNs(device_ns, host_, batch) * 1e-6 / batch;
}

}  // namespace segpipe
