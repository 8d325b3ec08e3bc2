// Segment profiles from the Edge TPU placement and timing model.
#include "segpipe/partition/internal/model_profiler.h"

#include <fmt/format.h>

#include "segpipe/device/internal/pipeline_time.h"

namespace segpipe {

StatusOr<SegmentProfile> ModelProfiler::ProfileUncached(int first_op, int last_op,
                                                        const StageDevice& device) {
  if (!IsEdgeTpu(device.kind))
    return UnimplementedError(fmt::format(
        "the analytic profile models Edge TPUs only; the stage on {} needs --profile measure",
        DeviceName(device)));
  SEGPIPE_ASSIGN_OR_RETURN(SegmentPlacement placement,
                           PlaceSegment(model_, index_, first_op, last_op, spec_));
  // The same chip on either link (one placement index); the link sets the invocation's timing.
  const SegmentTiming timing = EstimateSegmentTiming(placement, SpecForDevice(spec_, device.kind));
  SegmentProfile profile;
  // The CPU ops run on the stage's thread after the Edge TPU subgraph returns (EdgeTpuSimStage).
  profile.stage_ms = StageTimeNs(timing.total_ns() + placement.cpu_ops_ns, host_) * 1e-6;
  profile.on_chip_bytes = placement.on_chip_bytes;
  profile.off_chip_bytes = placement.off_chip_bytes;
  return profile;
}

}  // namespace segpipe
